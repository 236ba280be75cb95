using System.Text.Json.Nodes;

namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>
/// One generated input: a mutated JSON tree (with the transport encoding it is written in), or FHIR XML, or search and
/// history URLs. <see cref="Id"/> (<c>seed:index</c>) regenerates it exactly.
/// </summary>
/// <param name="Id">The seed of the run and the case's index.</param>
/// <param name="Kind">The mutation kind drawn first (<see cref="FuzzKinds"/>).</param>
/// <param name="Seed">The valid input it started from.</param>
/// <param name="Description">Every edit made, in order.</param>
internal sealed record FuzzCase(string Id, string Kind, FuzzSeed Seed, string Description)
{
    /// <summary>The mutated tree; null for XML and query cases.</summary>
    public JsonObject? Document { get; init; }

    /// <summary>How <see cref="Document"/> is written to bytes (<see cref="FuzzBody.Transports"/>).</summary>
    public string Transport { get; init; } = FuzzBody.Utf8;

    /// <summary>The Content-Type sent with the body.</summary>
    public string ContentType { get; init; } = "application/fhir+json";

    /// <summary>The body of an XML case.</summary>
    public byte[]? Xml { get; init; }

    /// <summary>GET paths (from the server root) of a query case.</summary>
    public IReadOnlyList<string> Queries { get; init; } = [];

    /// <summary>The search URLs of a query case as one batch Bundle of GET entries (no URL length limit there).</summary>
    public JsonObject? QueryBatch { get; init; }

    /// <summary>The body as sent: <paramref name="document"/> (the case's tree or a reduced copy of it) in the case's transport.</summary>
    public byte[] Body(JsonNode document) => FuzzBody.Write(document, Transport);

    /// <summary>The body as sent, for a tree or XML case.</summary>
    public byte[] Body() => Xml ?? Body(Document ?? throw new InvalidOperationException($"Case {Id} has no body"));

    public override string ToString() => $"case {Id} [{Kind}] from {Seed.Name}: {Description}";
}

/// <summary>Makes case <c>index</c> of run <c>seed</c>, the same every time.</summary>
internal static class FuzzCases
{
    private static readonly string[] s_cheap =
        [FuzzKinds.Null, FuzzKinds.TypeSwap, FuzzKinds.ElementMismatch, FuzzKinds.ResourceType, FuzzKinds.EmptyName, FuzzKinds.Date, FuzzKinds.Number, FuzzKinds.Remove];

    public static FuzzCase Create(int seed, int index, IReadOnlyList<string> kinds)
    {
        var random = new Random(unchecked((int)((uint)seed * 2654435761u ^ ((uint)index * 40503u + 0x9E3779B9u))));
        var kind = kinds[random.Next(kinds.Count)];
        var id = $"{seed}:{index}";
        if (kind == FuzzKinds.Query)
        {
            return QueryCases.Create(id, random);
        }
        var seedKind = random.Next(4) switch
        {
            0 or 1 => SeedKind.Resource,
            2 => SeedKind.Bundle,
            _ => kind == FuzzKinds.Xml ? SeedKind.Resource : SeedKind.Session,
        };
        var pool = FuzzCorpus.OfKind(seedKind).ToList();
        var start = pool[random.Next(pool.Count)];
        if (kind == FuzzKinds.Xml)
        {
            var (xml, what) = XmlVariants.Create(start.Json, random);
            return new FuzzCase(id, kind, start, what) { Xml = xml, ContentType = "application/fhir+xml" };
        }
        var document = start.Json.DeepClone().AsObject();
        var edits = new List<string>();
        if (seedKind == SeedKind.Bundle && random.Next(3) == 0)
        {
            document["type"] = "batch";
            edits.Add("as a batch");
        }
        var transport = FuzzBody.Utf8;
        var contentType = seedKind == SeedKind.Session ? "application/json" : "application/fhir+json";
        if (kind is FuzzKinds.Bom or FuzzKinds.Utf16)
        {
            var transports = FuzzBody.Transports.Where(t => t.Name.StartsWith(kind == FuzzKinds.Bom ? "bom" : "utf-", StringComparison.Ordinal)).ToList();
            (transport, var declared) = transports[random.Next(transports.Count)];
            contentType = seedKind == SeedKind.Session ? declared.Replace("application/fhir+json", "application/json", StringComparison.Ordinal) : declared;
            edits.Add("sent as " + transport);
        }
        else
        {
            edits.Add(JsonMutator.Apply(document, kind, random));
        }
        // A second edit, drawn from the kinds the run allows (so excluding a kind excludes it here too).
        var stacked = s_cheap.Where(kinds.Contains).ToList();
        if (stacked.Count > 0 && (FuzzKinds.Encodings.Contains(kind) || random.Next(4) == 0))
        {
            edits.Add(JsonMutator.Apply(document, stacked[random.Next(stacked.Count)], random));
        }
        return new FuzzCase(id, kind, start, string.Join("; ", edits)) { Document = document, Transport = transport, ContentType = contentType };
    }
}
