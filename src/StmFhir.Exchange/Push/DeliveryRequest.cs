using Hl7.Fhir.Model;

namespace StmFhir.Exchange.Push;

/// <summary>What to deliver where.</summary>
/// <param name="Target">The target's name (<see cref="Targets.FhirTargetOptions.Name"/>).</param>
/// <param name="Bundle">
/// A transaction Bundle as <c>StmBundleMapper.ToBundle</c> makes it: entries that PUT to an id, or POST with
/// <c>ifNoneExist</c> (conditional create), or PUT to <c>Type?search</c> (conditional update). References between
/// entries may use the entries' <c>fullUrl</c> or <c>Type/id</c>. The Bundle is not modified.
/// </param>
public sealed record DeliveryRequest(string Target, Bundle Bundle)
{
    /// <summary>
    /// What is being delivered, e.g. the outbox row's id or a file name; recorded as the Provenance's source entity.
    /// Optional.
    /// </summary>
    public string? SourceId { get; init; }

    /// <summary>
    /// The caller knows that no earlier delivery (by anyone) wrote these resources' ids at the target, e.g. the outbox
    /// row that first stored them, on its first attempt. The versions are then not read before writing (one request
    /// fewer for a new session): a resource is taken to be absent, so a <c>200</c> for it means an earlier attempt of
    /// this same delivery wrote it (its answer lost) and is reported Created, as a read that found nothing would have
    /// it. Only PUTs to the resources' ids are affected. The default value is false.
    /// </summary>
    public bool NewAtTarget { get; init; }

    /// <summary>
    /// Per resource written to its id (<c>Type/id</c>), the target's version the caller last agreed with it (the outbox:
    /// what its last delivery or a pull left). Where the target declares <c>versioned-update</c> for the type, the update
    /// carries <c>If-Match: W/"version"</c>, and a <c>412</c> ends the delivery as a <see cref="DeliveryFailureKind.Conflict"/>
    /// naming each resource whose version moved on (<see cref="DeliveryFailure.Conflicts"/>) instead of overwriting the
    /// target's change. A version given also stands in for the read before writing. None by default.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ExpectedVersions { get; init; }
}
