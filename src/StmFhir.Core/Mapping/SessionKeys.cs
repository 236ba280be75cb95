using Hl7.Fhir.Model;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Mapping;

/// <summary>
/// The business identifiers and deterministic ids of every resource a session maps to, all derived from the
/// session's source system and id (MAPPING.md, "Identity").
/// </summary>
internal sealed record SessionKeys(string SourceSystem, string SessionId)
{
    public const string Pain = "pain";
    public const string Rom = "rom";
    public const string Finding = "finding";
    public const string Medication = "medication";
    public const string Screening = "screening";
    public const string Procedure = "procedure";

    public static SessionKeys Of(StmSession session) => new(session.SourceSystem, session.SessionId);

    private readonly Guid _seed = DeterministicId.Seed(SourceSystem, SessionId);

    public string ProcedureId => Id(Procedure);

    public string Id(string kind, int? index = null) => DeterministicId.Child(_seed, KindCode(kind), index ?? 0);

    // The kind's byte in a child id; append new kinds, never renumber (ids already issued would change).
    private static byte KindCode(string kind) => kind switch
    {
        Procedure => 0,
        Pain => 1,
        Rom => 2,
        Finding => 3,
        Medication => 4,
        Screening => 5,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a resource kind of a session"),
    };

    /// <summary>
    /// The session field (JSON path) a resource of <paramref name="kind"/> is mapped from: <c>$</c> for the Procedure,
    /// <c>$.painScores[1]</c> for the second pain score. The mapper's kinds, indexes and these paths are one list.
    /// </summary>
    public static string SourcePath(string kind, int? index = null) => kind switch
    {
        Procedure => "$",
        Pain => $"$.painScores[{index}]",
        Rom => $"$.romMeasurements[{index}]",
        Finding => $"$.screening.findings[{index}]",
        Medication => $"$.screening.medications[{index}]",
        Screening => "$.screening",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a resource kind of a session"),
    };

    /// <summary>
    /// The full URL of every entry the mapper makes of <paramref name="session"/> (<c>urn:uuid:</c> and the resource's id),
    /// with the session field each is mapped from: the same ids the mapper derives, so a path never depends on reading
    /// an identifier back.
    /// </summary>
    public static IEnumerable<(string FullUrl, string Path)> SourcePaths(StmSession session)
    {
        var keys = Of(session);
        yield return (FhirValues.UrnUuid(PersonId("Patient", session.Patient.Identifier)), "$.patient");
        yield return (FhirValues.UrnUuid(PersonId("Practitioner", session.Clinician.Identifier)), "$.clinician");
        yield return (FhirValues.UrnUuid(keys.ProcedureId), SourcePath(Procedure));
        foreach (var (kind, count) in new[] { (Pain, session.PainScores.Count), (Rom, session.RomMeasurements.Count),
            (Finding, session.Screening?.Findings.Count ?? 0), (Medication, session.Screening?.Medications.Count ?? 0) })
        {
            for (var i = 0; i < count; i++)
            {
                yield return (FhirValues.UrnUuid(keys.Id(kind, i)), SourcePath(kind, i));
            }
        }
        if (session.Screening is not null)
        {
            yield return (FhirValues.UrnUuid(keys.Id(Screening)), SourcePath(Screening));
        }
    }

    public Identifier ProcedureIdentifier => new(SourceSystem, SessionId) { Use = Hl7.Fhir.Model.Identifier.IdentifierUse.Official };

    public Identifier Identifier(string kind, int? index = null) =>
        new(SourceSystem, index is { } i ? $"{SessionId}/{kind}/{i}" : $"{SessionId}/{kind}");

    /// <summary>The index in a <c>{sessionId}/{kind}/{index}</c> identifier, or null when the resource has none.</summary>
    public int? IndexIn(IEnumerable<Identifier> identifiers, string kind)
    {
        var prefix = $"{SessionId}/{kind}/";
        foreach (var identifier in identifiers)
        {
            if (identifier.System == SourceSystem && identifier.Value is { } value && value.StartsWith(prefix, StringComparison.Ordinal)
                && int.TryParse(value.AsSpan(prefix.Length), System.Globalization.CultureInfo.InvariantCulture, out var index))
            {
                return index;
            }
        }
        return null;
    }

    public static string PersonId(string resourceType, IdentifierRecord identifier) =>
        DeterministicId.From(resourceType, identifier.System, identifier.Value);
}
