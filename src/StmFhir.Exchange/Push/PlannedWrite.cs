using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using StmFhir.Core.Mapping;

namespace StmFhir.Exchange.Push;

/// <summary>How one resource is written at the target so that writing it twice equals writing it once.</summary>
internal enum WriteMode
{
    /// <summary><c>PUT Type/id</c> to the deterministic id: the target accepts client ids.</summary>
    Put,

    /// <summary><c>POST Type</c> with <c>ifNoneExist</c>: created unless a resource matches, never overwritten.</summary>
    ConditionalCreate,

    /// <summary><c>PUT Type?identifier=...</c>: updates the one match or creates; for targets that assign their own ids.</summary>
    ConditionalUpdate,
}

/// <summary>
/// How one entry of the delivered Bundle (or the delivery's Provenance) is written at the target: decided when the
/// delivery is planned (<see cref="DeliveryPlan"/>) and never changed. What a delivery learns while it runs (the
/// versions before writing, the target's answers) is the run's, in <see cref="DeliveryState"/>.
/// </summary>
internal sealed class PlannedWrite
{
    /// <summary>The <see cref="Index"/> of the Provenance, which is not an entry of the Bundle.</summary>
    public const int ProvenanceIndex = int.MaxValue;

    private byte[]? _json;
    private byte[]? _literalRas2Json;
    private IReadOnlyList<string>? _references;

    /// <summary>The entry's index in the Bundle, or <see cref="ProvenanceIndex"/>.</summary>
    public required int Index { get; init; }

    /// <summary>The entry's fullUrl (or Type/id): how other entries refer to it, and how results name it.</summary>
    public required string Source { get; init; }

    /// <summary>The caller's resource (never changed: each request writes <see cref="Json"/> with its own id and references).</summary>
    public required Resource Resource { get; init; }

    /// <summary>
    /// The resource's FHIR JSON for every request that writes it: the <see cref="SerializedResource"/> the caller
    /// attached (the outbox's stored JSON), else serialised once, on first use.
    /// </summary>
    public byte[] Json => _json ??= Resource.Annotation<SerializedResource>()?.Utf8Json ?? DeliveryJson.Serialize(Resource);

    /// <summary>
    /// <see cref="Json"/> in the form a target applying R4's ras-2 literally accepts (<see cref="LiteralRas2Form"/>): the
    /// same array for anything but a RiskAssessment with a prediction lacking a probability. Made once, on first use.
    /// </summary>
    public byte[] LiteralRas2Json => _literalRas2Json ??= Type == "RiskAssessment" ? LiteralRas2Form.Apply(Json) : Json;

    /// <summary>True when the literal ras-2 form of this resource differs from <see cref="Json"/>.</summary>
    public bool HasLiteralRas2Form => !ReferenceEquals(LiteralRas2Json, Json);

    /// <summary>Every reference value in <see cref="Json"/> (each once), as the caller's Bundle has it; found once, on first use.</summary>
    public IReadOnlyList<string> References => _references ??= DeliveryBundleWriter.References(Json);

    public string Type => Resource.TypeName;

    public required WriteMode Mode { get; init; }

    /// <summary>The id written to (Put).</summary>
    public string? Id { get; init; }

    /// <summary>The search that identifies the resource at the target (conditional modes), e.g. <c>identifier=sys|val</c>.</summary>
    public string? Condition { get; init; }

    /// <summary>
    /// For a condition over ids that earlier parts resolve (the Provenance's): builds it when the part is sent, from
    /// the stable reference of each write then (<see cref="DeliveryState.StableReference"/>).
    /// </summary>
    public Func<Func<PlannedWrite, string?>, string>? ConditionWhenSent { get; init; }

    /// <summary>Sent in a part of its own (after every other part).</summary>
    public bool SendLast { get; init; }

    /// <summary>The <c>urn:uuid</c> fullUrl inside a transaction part, which the target rewrites to the id it assigns.</summary>
    public required string Placeholder { get; init; }

    public bool IsConditional => Mode != WriteMode.Put;

    /// <summary>
    /// How <see cref="TargetMemory"/> knows this resource: <c>Type/id</c> when PUT to its id, <c>Type?condition</c>
    /// when found by a search; null for the Provenance (a new one each delivery).
    /// </summary>
    public string? MemoryKey => Index == ProvenanceIndex ? null
        : Mode == WriteMode.Put ? $"{Type}/{Id}"
        : Condition is not null ? $"{Type}?{Condition}" : null;
}

/// <summary>
/// The FHIR JSON a resource was read from, attached as an annotation by a caller that has it (the outbox dispatcher,
/// from the store), so the deliverer copies it instead of serialising the resource again. It must be the resource's
/// own content; <c>meta.versionId</c> and <c>meta.lastUpdated</c> in it are dropped on the wire. With it, the resource
/// it is attached to needs only its type, id and identifiers (the outbox attaches it to such a skeleton, saving the
/// deserialisation of whole resources): the deliverer reads nothing else from the POCO.
/// </summary>
internal sealed record SerializedResource(byte[] Utf8Json);
