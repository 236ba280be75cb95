using System.Text.Json;
using Microsoft.Extensions.Options;
using StmFhir.Gateway.Configuration;

namespace StmFhir.Gateway.Package;

/// <summary>One conformance resource from profiles/, kept as its JSON text.</summary>
internal sealed record ConformanceResource(string Type, string Id, string? Url, string? Name, string? Version, string? ConstrainedType, string? Kind, string Json);

/// <summary>
/// The StmFhir package as FHIR resources: StructureDefinitions, ValueSets, CodeSystems and the ImplementationGuide read
/// once from the profiles folder, served read-only under /fhir and listed in the CapabilityStatement.
/// </summary>
internal sealed class ProfileCatalog
{
    /// <summary>The resource types served from the catalog.</summary>
    public static readonly IReadOnlySet<string> Types = new HashSet<string>(StringComparer.Ordinal)
    {
        "StructureDefinition", "ValueSet", "CodeSystem", "ImplementationGuide", "OperationDefinition",
    };

    private readonly Dictionary<(string Type, string Id), ConformanceResource> _byId = [];

    public ProfileCatalog(IOptions<ProfilesOptions> options, ILogger<ProfileCatalog> logger)
    {
        Directory = options.Value.Resolve();
        if (Directory is null)
        {
            Problems.Add("No profiles folder found (set Profiles:Directory)");
            logger.LogWarning("No profiles folder found; conformance resources are not served");
            return;
        }
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                Load(File.ReadAllText(file));
            }
            catch (Exception e) when (e is JsonException or IOException or KeyNotFoundException or InvalidOperationException)
            {
                Problems.Add($"{Path.GetFileName(file)} could not be read");
            }
        }
        logger.LogInformation("Loaded {ConformanceCount} conformance resources from {ProfilesDirectory} ({ProblemCount} problems)",
            _byId.Count, Directory, Problems.Count);
    }

    public string? Directory { get; }

    public List<string> Problems { get; } = [];

    /// <summary>True when the folder was found, every file read, and at least one profile is there.</summary>
    public bool IsLoaded => Directory is not null && Problems.Count == 0 && Profiles.Any();

    public int Count => _byId.Count;

    /// <summary>The StructureDefinitions that profile a resource type (not extensions), by the type they constrain.</summary>
    public IEnumerable<ConformanceResource> Profiles =>
        _byId.Values.Where(r => r.Type == "StructureDefinition" && r.Kind == "resource").OrderBy(r => r.Url, StringComparer.Ordinal);

    public ConformanceResource? Find(string type, string id) => _byId.GetValueOrDefault((type, id));

    public IEnumerable<ConformanceResource> OfType(string type) =>
        _byId.Values.Where(r => r.Type == type).OrderBy(r => r.Id, StringComparer.Ordinal);

    private void Load(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("resourceType", out var type) || !Types.Contains(type.GetString() ?? ""))
        {
            return; // package.json and anything else that is not a conformance resource
        }
        string? Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var id = Text("id") ?? throw new InvalidOperationException("no id");
        var resource = new ConformanceResource(type.GetString()!, id, Text("url"), Text("name"), Text("version"), Text("type"), Text("kind"),
            JsonSerializer.Serialize(root));
        _byId[(resource.Type, resource.Id)] = resource;
    }
}
