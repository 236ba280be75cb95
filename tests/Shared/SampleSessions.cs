using System.Text;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;

namespace StmFhir.Tests.Shared;

/// <summary>
/// Many distinct STM sessions made from samples/sessions: each a sample with a new session id (and so new FHIR ids
/// and identifiers) and a patient shared by every <c>patients</c>-th session, with the business identifiers its FHIR
/// form carries, so that a test can search a target for each of them.
/// </summary>
internal static class SampleSessions
{
    /// <summary><paramref name="count"/> sessions with ids <c>{prefix}-00000</c>... and patients <c>{prefix}-MRN-{i % patients}</c>.</summary>
    public static IReadOnlyList<GeneratedSession> Create(string prefix, int count, int patients = 50)
    {
        var samples = Directory.EnumerateFiles(RepoRoot.Combine("samples", "sessions"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => JsonNode.Parse(File.ReadAllText(f))!.AsObject()).ToList();
        var sessions = new List<GeneratedSession>(count);
        for (var i = 0; i < count; i++)
        {
            var json = samples[i % samples.Count].DeepClone().AsObject();
            json.Remove("$schema");
            var sessionId = $"{prefix}-{i:D5}";
            json["sessionId"] = sessionId;
            json["patient"]!["identifier"]!["value"] = $"{prefix}-MRN-{i % patients}";
            var body = Encoding.UTF8.GetBytes(json.ToJsonString());
            sessions.Add(new GeneratedSession(json["sourceSystem"]!.GetValue<string>(), sessionId, body, Identifiers(body)));
        }
        return sessions;
    }

    /// <summary>Every business identifier of the FHIR resources a session (STM JSON) maps to.</summary>
    public static IReadOnlyList<ExpectedIdentifier> Identifiers(ReadOnlyMemory<byte> sessionJson)
    {
        var read = StmSessionReader.Read(sessionJson);
        if (!read.IsValid)
        {
            throw new InvalidOperationException($"Invalid session: {string.Join("; ", read.Problems)}");
        }
        return [.. StmBundleMapper.ToBundle(read.Session!).Entry
            .Select(e => e.Resource!)
            .SelectMany(r => IdentifiersOf(r).Select(id => new ExpectedIdentifier(r.TypeName, id.System ?? "", id.Value ?? "")))];
    }

    private static IEnumerable<Identifier> IdentifiersOf(Resource resource) => resource switch
    {
        Patient p => p.Identifier,
        Practitioner p => p.Identifier,
        Procedure p => p.Identifier,
        Observation o => o.Identifier,
        RiskAssessment r => r.Identifier,
        Condition c => c.Identifier,
        MedicationStatement m => m.Identifier,
        _ => [],
    };
}

/// <summary>One generated session.</summary>
/// <param name="SourceSystem">Its source system (the Procedure identifier's system).</param>
/// <param name="SessionId">Its session id (the Procedure identifier's value).</param>
/// <param name="Json">The STM record as UTF-8 JSON, for <c>POST /stm/sessions</c>.</param>
/// <param name="Identifiers">Every business identifier of its FHIR resources (people included).</param>
internal sealed record GeneratedSession(string SourceSystem, string SessionId, byte[] Json, IReadOnlyList<ExpectedIdentifier> Identifiers);

/// <summary>A business identifier a resource of <paramref name="ResourceType"/> must carry at the target.</summary>
internal sealed record ExpectedIdentifier(string ResourceType, string System, string Value)
{
    public string Key => System + "|" + Value;
}
