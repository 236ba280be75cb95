using Hl7.Fhir.Model;

namespace StmFhir.Exchange.Push;

/// <summary>What one delivery did at the target.</summary>
public sealed record DeliveryResult
{
    /// <summary>The target's name.</summary>
    public required string Target { get; init; }

    /// <summary>When the delivery started (from the injected <see cref="TimeProvider"/>); the Provenance's <c>recorded</c>.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>
    /// What became of each entry of the Bundle, in Bundle order. On failure: the entries that arrived before it (parts
    /// sent earlier in their own transactions), which a later delivery of the same Bundle leaves as they are.
    /// </summary>
    public required IReadOnlyList<ResourceDelivery> Resources { get; init; }

    /// <summary>The Provenance that records this delivery at the target; null unless the delivery succeeded.</summary>
    public ResourceDelivery? Provenance { get; init; }

    /// <summary>Why the delivery failed; null when every entry arrived.</summary>
    public DeliveryFailure? Failure { get; init; }

    /// <summary>HTTP requests the delivery made, not counting the resilience pipeline's retries.</summary>
    public int Requests { get; init; }

    /// <summary>True when every entry and the Provenance arrived.</summary>
    public bool Succeeded => Failure is null;
}

/// <summary>One resource as the target holds it after the delivery.</summary>
/// <param name="ResourceType">The resource type.</param>
/// <param name="Source">The entry's <c>fullUrl</c> in the delivered Bundle (or <c>Type/id</c> if it has none).</param>
/// <param name="TargetId">The resource's id at the target (differs from the Bundle's for conditional creates and servers that assign ids).</param>
/// <param name="VersionId">The target's version id, if it told one.</param>
/// <param name="Change">Whether the delivery created, updated or left the resource unchanged.</param>
public sealed record ResourceDelivery(string ResourceType, string Source, string TargetId, string? VersionId, ResourceChange Change)
{
    /// <summary>The resource's reference at the target, <c>Type/id</c>.</summary>
    public string Reference => $"{ResourceType}/{TargetId}";
}

/// <summary>What a delivery did to one resource at the target.</summary>
public enum ResourceChange
{
    /// <summary>The resource did not exist at the target before this delivery.</summary>
    Created,

    /// <summary>A new version was written.</summary>
    Updated,

    /// <summary>
    /// The target kept its version: the content was the same, or a conditional create found an existing resource
    /// (a Patient or Practitioner the target already had; it is matched, not overwritten).
    /// </summary>
    Unchanged,
}

/// <summary>Why a delivery failed, and whether trying again can help.</summary>
/// <param name="Kind">Transient (try again later) or permanent (dead-letter; replay after a fix).</param>
/// <param name="Message">What happened, for logs and the dead-letter list; no resource content.</param>
/// <param name="HttpStatus">The target's HTTP status (or the failed entry's, in a batch), if it answered.</param>
/// <param name="Outcome">The target's OperationOutcome, if it sent one.</param>
public sealed record DeliveryFailure(DeliveryFailureKind Kind, string Message, int? HttpStatus = null, OperationOutcome? Outcome = null)
{
    /// <summary>True for <see cref="DeliveryFailureKind.Transient"/>.</summary>
    public bool IsTransient => Kind == DeliveryFailureKind.Transient;

    /// <summary>For a <see cref="DeliveryFailureKind.Conflict"/>: the resources the target changed since the expected version.</summary>
    public IReadOnlyList<VersionConflict> Conflicts { get; init; } = [];
}

/// <summary>A resource whose version at the target is not the one the delivery expected (<see cref="DeliveryRequest.ExpectedVersions"/>).</summary>
/// <param name="ResourceType">The resource type.</param>
/// <param name="Source">The entry's <c>fullUrl</c> in the delivered Bundle (the outbox's <c>Type/id</c>).</param>
/// <param name="TargetId">The resource's id at the target.</param>
/// <param name="ExpectedVersion">The version the update carried in <c>If-Match</c>.</param>
/// <param name="CurrentVersion">The version the target holds now; null when it no longer has the resource.</param>
public sealed record VersionConflict(string ResourceType, string Source, string TargetId, string ExpectedVersion, string? CurrentVersion);

/// <summary>The two kinds of delivery failure an outbox acts on.</summary>
public enum DeliveryFailureKind
{
    /// <summary>
    /// The target could not be reached, timed out, throttled (429), was unavailable (5xx, 408) or its circuit is open,
    /// and the resilience pipeline's retries are used up: keep the row and try it again later.
    /// </summary>
    Transient,

    /// <summary>
    /// The target refused the content (another 4xx, e.g. 400 or 422 with an OperationOutcome), or the Bundle cannot be
    /// delivered idempotently to it: sending it again unchanged fails again, so dead-letter it and move on.
    /// </summary>
    Permanent,

    /// <summary>
    /// The target answered <c>412 Precondition Failed</c> to an update sent with <c>If-Match</c>: someone changed the
    /// resource there since the version expected (<see cref="DeliveryFailure.Conflicts"/>). Nothing of that transaction
    /// was written; keep both sides until the conflict is resolved.
    /// </summary>
    Conflict,
}
