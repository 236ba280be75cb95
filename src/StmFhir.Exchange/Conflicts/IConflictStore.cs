namespace StmFhir.Exchange.Conflicts;

/// <summary>
/// The sessions that changed both here and at a target since the two last agreed, kept with both sides' ids and
/// versions until resolved (table <c>exchange_conflict</c>, <c>Conflicts/CONFLICTS.md</c>). A store's conflicts:
/// <see cref="ConflictResourceStoreExtensions.Conflicts"/>; an operator resolves one with
/// <c>IOutboxStore.ResolveConflictAsync</c> (<c>stmfhir outbox resolve</c>). Thread-safe.
/// </summary>
public interface IConflictStore
{
    /// <summary>Conflicts, oldest first: the unresolved ones (open, or waiting for the target's version), or all.</summary>
    Task<IReadOnlyList<ExchangeConflict>> ListAsync(string? target = null, bool includeResolved = false, int limit = 1000, CancellationToken cancellationToken = default);

    /// <summary>One conflict, or null for an unknown id.</summary>
    Task<ExchangeConflict?> GetAsync(long id, CancellationToken cancellationToken = default);
}

/// <summary>A session changed on both sides.</summary>
/// <param name="Id">The conflict's id (for <c>stmfhir outbox resolve</c>).</param>
/// <param name="Target">The target.</param>
/// <param name="DetectedBy"><see cref="ConflictDetectors.Push"/> (the target answered 412) or <see cref="ConflictDetectors.Pull"/>.</param>
/// <param name="DetectedAt">When.</param>
/// <param name="State">See <see cref="ConflictStates"/>.</param>
/// <param name="Resolution">Who won once decided: <see cref="ConflictSides.Ours"/> or <see cref="ConflictSides.Theirs"/>.</param>
/// <param name="ResolvedAt">When it was decided.</param>
/// <param name="ProcedureId">The session's Procedure, local id.</param>
/// <param name="TargetProcedureId">The session's Procedure at the target (the same id where the target keeps client ids).</param>
/// <param name="OutboxId">The outbox row whose delivery found it (push), if any.</param>
/// <param name="Resources">Both sides of each resource involved: ids and versions only, never content.</param>
public sealed record ExchangeConflict(long Id, string Target, string DetectedBy, DateTimeOffset DetectedAt, string State, string? Resolution,
    DateTimeOffset? ResolvedAt, string? ProcedureId, string? TargetProcedureId, long? OutboxId, IReadOnlyList<ConflictResource> Resources);

/// <summary>One resource of a conflict, both sides.</summary>
/// <param name="ResourceType">The resource type.</param>
/// <param name="Id">The local id.</param>
/// <param name="LocalVersion">Our current version when the conflict was found.</param>
/// <param name="SyncedLocalVersion">Our version when the two sides last agreed (null: never recorded).</param>
/// <param name="TargetId">The id at the target.</param>
/// <param name="TargetVersion">The target's current version when the conflict was found.</param>
/// <param name="SyncedTargetVersion">The target's version when the two sides last agreed (what <c>If-Match</c> carried).</param>
public sealed record ConflictResource(string ResourceType, string Id, int? LocalVersion, int? SyncedLocalVersion, string? TargetId, string? TargetVersion,
    string? SyncedTargetVersion);

/// <summary>The states of a conflict.</summary>
public static class ConflictStates
{
    /// <summary>Kept: neither side is overwritten, the target's deliveries of the session are held.</summary>
    public const string Open = "open";

    /// <summary>Decided for the target's version, which the next pull of the target takes into the store.</summary>
    public const string Theirs = "theirs";

    /// <summary>Done: both sides hold the winner (or will, once the released delivery arrives).</summary>
    public const string Resolved = "resolved";
}

/// <summary>The two sides of a conflict.</summary>
public static class ConflictSides
{
    /// <summary>The local version (the gateway's store).</summary>
    public const string Ours = "ours";

    /// <summary>The target's version.</summary>
    public const string Theirs = "theirs";
}

/// <summary>What found a conflict.</summary>
public static class ConflictDetectors
{
    /// <summary>A delivery: the target answered <c>412 Precondition Failed</c> to an update sent with <c>If-Match</c>.</summary>
    public const string Push = "push";

    /// <summary>A pull: the target's version changed since the last sync while a local change is not delivered yet.</summary>
    public const string Pull = "pull";
}
