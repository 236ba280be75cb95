using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;

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

/// <summary>One entry of the delivered Bundle: how it is written, and what the target answered.</summary>
internal sealed class DeliveryItem
{
    public required int Index { get; init; }

    /// <summary>The entry's fullUrl (or Type/id): how other entries refer to it, and how results name it.</summary>
    public required string Source { get; init; }

    /// <summary>The caller's resource (never changed: each request writes <see cref="Json"/> with its own id and references).</summary>
    public required Resource Resource { get; init; }

    /// <summary>
    /// The resource's FHIR JSON for every request that writes it: the <see cref="SerializedResource"/> the caller
    /// attached (the outbox's stored JSON), else serialised once.
    /// </summary>
    public byte[] Json => _json ??= Resource.Annotation<SerializedResource>()?.Utf8Json ?? DeliveryJson.Serialize(Resource);

    private byte[]? _json;

    /// <summary>Every reference value in <see cref="Resource"/> (each once), as the caller's Bundle has it.</summary>
    public List<string> References { get; } = [];

    public string Type => Resource.TypeName;

    public required WriteMode Mode { get; init; }

    /// <summary>The id written to (Put).</summary>
    public string? Id { get; init; }

    /// <summary>The search that identifies the resource at the target (conditional modes), e.g. <c>identifier=sys|val</c>.</summary>
    public string? Condition { get; set; }

    /// <summary>Builds <see cref="Condition"/> when the part is sent, for conditions over ids resolved by earlier parts.</summary>
    public Func<string>? ConditionFactory { get; init; }

    /// <summary>Sent in a part of its own (after every other part).</summary>
    public bool SendLast { get; init; }

    /// <summary>The <c>urn:uuid</c> fullUrl inside a transaction part, which the target rewrites to the id it assigns.</summary>
    public required string Placeholder { get; init; }

    /// <summary>The references this resource makes to other entries.</summary>
    public List<DeliveryItem> DependsOn { get; } = [];

    /// <summary>True once a read before writing told the version the target had (null <see cref="PriorVersion"/>: none).</summary>
    public bool PriorKnown { get; set; }

    public string? PriorVersion { get; set; }

    public string? TargetId { get; set; }

    public string? VersionId { get; set; }

    public ResourceChange? Change { get; set; }

    public bool IsConditional => Mode != WriteMode.Put;

    /// <summary>
    /// How <see cref="TargetMemory"/> knows this resource: <c>Type/id</c> when PUT to its id, <c>Type?condition</c>
    /// when found by a search; null for the Provenance (a new one each delivery).
    /// </summary>
    public string? MemoryKey => Index == int.MaxValue ? null
        : Mode == WriteMode.Put ? $"{Type}/{Id}"
        : Condition is not null ? $"{Type}?{Condition}" : null;

    /// <summary>How this resource can be referred to from any part: by the target's id once known, or by its own id when PUT.</summary>
    public string? StableReference => TargetId is not null ? $"{Type}/{TargetId}" : Mode == WriteMode.Put ? $"{Type}/{Id}" : null;

    /// <summary>Finds the references in <see cref="Json"/> (once; the planner and every request use them).</summary>
    public void IndexReferences() => References.AddRange(DeliveryBundleWriter.References(Json));

    public ResourceDelivery ToResult() => new(Type, Source, TargetId!, VersionId, Change!.Value);

    /// <summary>Records the target's answer to writing this item.</summary>
    public void Record(int status, string? id, string? version)
    {
        TargetId = id ?? TargetId ?? Id;
        VersionId = version;
        Change = status == 201 ? ResourceChange.Created
            : Mode == WriteMode.ConditionalCreate ? ResourceChange.Unchanged
            : !PriorKnown ? ResourceChange.Updated
            : PriorVersion is null ? ResourceChange.Created // created by an earlier attempt whose answer was lost
            : version is not null && version == PriorVersion ? ResourceChange.Unchanged
            : ResourceChange.Updated;
    }
}

/// <summary>
/// The FHIR JSON a resource was read from, attached as an annotation by a caller that has it (the outbox dispatcher,
/// from the store), so the deliverer copies it instead of serialising the resource again. It must be the resource's
/// own content; <c>meta.versionId</c> and <c>meta.lastUpdated</c> in it are dropped on the wire. With it, the resource
/// it is attached to needs only its type, id and identifiers (the outbox attaches it to such a skeleton, saving the
/// deserialisation of whole resources): the deliverer reads nothing else from the POCO.
/// </summary>
internal sealed record SerializedResource(byte[] Utf8Json);
