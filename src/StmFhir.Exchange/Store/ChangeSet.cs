using Hl7.Fhir.Model;

namespace StmFhir.Exchange.Store;

/// <summary>How a change is applied.</summary>
public enum ChangeMethod
{
    /// <summary>Create (HTTP POST): a new resource, or, with <see cref="Change.IfNoneExist"/>, the existing match.</summary>
    Create,

    /// <summary>Update or create at a known id (HTTP PUT).</summary>
    Update,
}

/// <summary>One resource to write.</summary>
/// <param name="Method">Create or update.</param>
/// <param name="Resource">The resource; for <see cref="ChangeMethod.Update"/> its <c>id</c> names the target.</param>
public sealed record Change(ChangeMethod Method, Resource Resource)
{
    /// <summary>
    /// The entry's fullUrl in its Bundle (e.g. <c>urn:uuid:...</c>); references to it in the other changes are rewritten
    /// to the stored <c>Type/id</c>. For a create without a match, a <c>urn:uuid</c> fullUrl also gives the new id.
    /// </summary>
    public string? FullUrl { get; init; }

    /// <summary>Conditional create: <c>identifier=system|value</c>; the existing match is used instead of a new resource.</summary>
    public string? IfNoneExist { get; init; }

    /// <summary>For an update: the version the client last saw; another current version fails the whole change set.</summary>
    public int? IfMatchVersion { get; init; }
}

/// <summary>Changes to apply together, all or nothing.</summary>
/// <param name="Changes">The changes, in Bundle order.</param>
/// <param name="Source">What produced them (e.g. <c>stm-session</c>, <c>fhir-transaction</c>), recorded on the outbox row.</param>
public sealed record ChangeSet(IReadOnlyList<Change> Changes, string Source)
{
    /// <summary>
    /// The target these changes were pulled from, or null for local changes. The outbox row of a pulled change is
    /// recorded as already delivered to that target (in the same transaction), so the dispatcher never sends data back
    /// to where it came from; every other target receives it as usual.
    /// </summary>
    public string? Origin { get; init; }

    /// <summary>
    /// The W3C trace context (<c>traceparent</c>) of the request that made these changes, recorded on the outbox row so
    /// the delivery's trace links back to it; null when nothing traced the request. Taken from the caller's current
    /// activity by the store when not given.
    /// </summary>
    public string? TraceParent { get; init; }
}
