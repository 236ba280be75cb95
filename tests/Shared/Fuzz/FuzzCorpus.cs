using System.Text.Json.Nodes;

namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>What a seed is sent as.</summary>
internal enum SeedKind
{
    /// <summary>One FHIR resource of a kept type: $validate, create, update, and wrapped in a transaction and a batch.</summary>
    Resource,

    /// <summary>A transaction (or batch) Bundle: $validate and <c>POST /fhir</c>.</summary>
    Bundle,

    /// <summary>An STM session record: <c>POST /stm/sessions</c>.</summary>
    Session,
}

/// <summary>A valid input the mutators start from.</summary>
/// <param name="Name">Where it came from, e.g. <c>bundles/01-lateral-epicondylitis-iastm.json#Observation</c>.</param>
internal sealed record FuzzSeed(string Name, SeedKind Kind, JsonObject Json)
{
    /// <summary>The FHIR resource type of a resource seed (Bundle for a Bundle, null for a session).</summary>
    public string? ResourceType => Kind == SeedKind.Session ? null : Json["resourceType"]?.GetValue<string>();
}

/// <summary>
/// The seeds: every sample Bundle (samples/bundles), every sample session (samples/sessions), and one resource of every
/// type the gateway keeps, taken from the sample Bundles with their <c>urn:uuid</c> references turned into
/// <c>Type/id</c> so that each is valid on its own and reaches the store.
/// </summary>
internal static class FuzzCorpus
{
    /// <summary>The resource types the gateway keeps.</summary>
    public static IReadOnlyList<string> KeptTypes { get; } =
        ["Patient", "Practitioner", "Procedure", "Observation", "RiskAssessment", "Condition", "MedicationStatement"];

    private static readonly Lazy<IReadOnlyList<FuzzSeed>> s_seeds = new(Load);

    public static IReadOnlyList<FuzzSeed> Seeds => s_seeds.Value;

    public static IEnumerable<FuzzSeed> OfKind(SeedKind kind) => Seeds.Where(s => s.Kind == kind);

    private static List<FuzzSeed> Load()
    {
        var seeds = new List<FuzzSeed>();
        var resources = new Dictionary<string, FuzzSeed>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(RepoRoot.Combine("samples", "bundles"), "*.json").Order(StringComparer.Ordinal))
        {
            var name = "bundles/" + Path.GetFileName(file);
            var bundle = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
            seeds.Add(new FuzzSeed(name, SeedKind.Bundle, bundle));
            foreach (var resource in Standalone(bundle))
            {
                var type = resource["resourceType"]!.GetValue<string>();
                // Observations come in two profiles (pain score, range of motion): keep one of each.
                var key = type == "Observation" ? type + (resource.ToJsonString().Contains("valueQuantity", StringComparison.Ordinal) ? "-quantity" : "-integer") : type;
                resources.TryAdd(key, new FuzzSeed($"{name}#{key}", SeedKind.Resource, resource));
            }
        }
        foreach (var type in KeptTypes.Where(t => !resources.Keys.Any(k => k.StartsWith(t, StringComparison.Ordinal))))
        {
            throw new InvalidOperationException($"No sample Bundle holds a {type}: the fuzz corpus needs one of every kept type");
        }
        seeds.AddRange(resources.Values.OrderBy(s => s.Name, StringComparer.Ordinal));
        foreach (var file in Directory.EnumerateFiles(RepoRoot.Combine("samples", "sessions"), "*.json").Order(StringComparer.Ordinal))
        {
            var session = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
            session.Remove("$schema");
            seeds.Add(new FuzzSeed("sessions/" + Path.GetFileName(file), SeedKind.Session, session));
        }
        return seeds;
    }

    /// <summary>The Bundle's resources, each with an id and with references to other entries as <c>Type/id</c>.</summary>
    private static IEnumerable<JsonObject> Standalone(JsonObject bundle)
    {
        var entries = bundle["entry"]!.AsArray().Select(e => e!.AsObject()).ToList();
        var references = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var resource = entry["resource"]!.AsObject();
            var type = resource["resourceType"]!.GetValue<string>();
            var id = resource["id"]?.GetValue<string>() ?? "fuzz-" + type.ToLowerInvariant();
            if (entry["fullUrl"]?.GetValue<string>() is { } fullUrl)
            {
                references[fullUrl] = $"{type}/{id}";
            }
        }
        foreach (var entry in entries)
        {
            var resource = entry["resource"]!.DeepClone().AsObject();
            var type = resource["resourceType"]!.GetValue<string>();
            resource["id"] ??= "fuzz-" + type.ToLowerInvariant();
            foreach (var reference in JsonWalk.Nodes(resource).Select(n => n.Node).OfType<JsonObject>().ToList())
            {
                if (reference["reference"]?.GetValue<string>() is { } target && references.TryGetValue(target, out var local))
                {
                    reference["reference"] = local;
                }
            }
            yield return resource;
        }
    }
}
