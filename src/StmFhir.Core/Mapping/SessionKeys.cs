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

    public static SessionKeys Of(StmSession session) => new(session.SourceSystem, session.SessionId);

    private readonly Guid _seed = DeterministicId.Seed(SourceSystem, SessionId);

    public string ProcedureId => Id("procedure");

    public string Id(string kind, int? index = null) => DeterministicId.Child(_seed, KindCode(kind), index ?? 0);

    // The kind's byte in a child id; append new kinds, never renumber (ids already issued would change).
    private static byte KindCode(string kind) => kind switch
    {
        "procedure" => 0,
        Pain => 1,
        Rom => 2,
        Finding => 3,
        Medication => 4,
        Screening => 5,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a resource kind of a session"),
    };

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
