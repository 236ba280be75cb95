namespace StmFhir.Exchange.Outbox;

/// <summary>
/// The delivery state of outbox rows per target, kept in the same database as the resources (see
/// <c>Outbox/OutboxSchema.cs</c>, table <c>outbox_delivery</c>). A row is pending, in flight (claimed with a lease; an
/// expired lease makes it claimable again, so a killed process loses nothing), delivered or dead (permanently refused).
/// </summary>
/// <remarks>A store's outbox: <see cref="OutboxResourceStoreExtensions.Outbox"/>. Thread-safe.</remarks>
public interface IOutboxStore
{
    /// <summary>
    /// Claims up to <paramref name="limit"/> due rows for <paramref name="target"/> (pending and due, or in flight with an
    /// expired lease), oldest first, leased until <paramref name="leaseUntil"/>. Each claim counts as an attempt.
    /// </summary>
    /// <remarks>
    /// Deliveries are written with each outbox row, in the same transaction, for every target added to the outbox; a
    /// claim only reads them by index, so its cost does not grow with the delivered history. A target not added yet
    /// (the store adds the configured ones at start) is added here, with a pending delivery of every older row, once.
    /// </remarks>
    Task<IReadOnlyList<OutboxClaim>> ClaimAsync(string target, int limit, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default);

    /// <summary>
    /// Extends a claim's lease to <paramref name="leaseUntil"/> while its delivery goes on; false when the claim was lost
    /// (its lease expired and another dispatcher took the row), in which case the row is that dispatcher's to deliver.
    /// </summary>
    Task<bool> RenewAsync(OutboxClaim claim, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default);

    /// <summary>Records a delivery; false when the claim was lost (its lease expired and another took the row).</summary>
    Task<bool> MarkDeliveredAsync(OutboxClaim claim, IReadOnlyList<OutboxDeliveredResource> resources, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records several deliveries in one database transaction (one commit for a whole dispatch instead of one per row);
    /// for each, false when its claim was lost.
    /// </summary>
    async Task<IReadOnlyList<bool>> MarkDeliveredAsync(IReadOnlyList<(OutboxClaim Claim, IReadOnlyList<OutboxDeliveredResource> Resources)> deliveries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        var recorded = new List<bool>(deliveries.Count);
        foreach (var (claim, resources) in deliveries)
        {
            recorded.Add(await MarkDeliveredAsync(claim, resources, cancellationToken).ConfigureAwait(false));
        }
        return recorded;
    }

    /// <summary>Returns the row to pending, to be tried again at <paramref name="nextAttemptAt"/>.</summary>
    Task<bool> RescheduleAsync(OutboxClaim claim, DateTimeOffset nextAttemptAt, string message, CancellationToken cancellationToken = default);

    /// <summary>Dead-letters the row with the target's answer (<paramref name="outcomeJson"/>: its OperationOutcome as FHIR JSON).</summary>
    Task<bool> DeadLetterAsync(OutboxClaim claim, string message, int? httpStatus, string? outcomeJson, CancellationToken cancellationToken = default);

    /// <summary>Moves a dead row (every target's, or one target's) back to pending, due now; the number of rows moved.</summary>
    Task<int> ReplayAsync(long outboxId, string? target = null, CancellationToken cancellationToken = default);

    /// <summary>Moves every dead row back to pending; the number of rows moved.</summary>
    Task<int> ReplayAllDeadAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes every target not in <paramref name="configured"/> out of the outbox (the gateway calls it at start with its
    /// configured targets): commits stop writing deliveries for them; their open rows stay, shown as orphaned by
    /// <see cref="CountAsync"/>, until <see cref="PurgeAsync"/> or the target is configured again (then its open rows are
    /// delivered, and so are the rows committed while it was out). The targets taken out now.
    /// </summary>
    /// <remarks>Instances sharing a database must be configured with the same targets: the last to start decides.</remarks>
    Task<IReadOnlyList<string>> RemoveTargetsAsync(IReadOnlyCollection<string> configured, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the open (pending, in flight, dead, held) deliveries of a target removed from the configuration (orphaned);
    /// delivered history stays. Null when <paramref name="target"/> is not orphaned (configured, or unknown): nothing is deleted.
    /// </summary>
    Task<int?> PurgeAsync(string target, CancellationToken cancellationToken = default);

    /// <summary>
    /// Per target, how many rows are in each state. Each of <paramref name="targets"/> (the configured ones) is listed,
    /// with zeros if it has no rows; for one not yet added to the outbox, the rows it lacks count as pending (they will be
    /// backfilled when it is added). Its cost follows the open rows, not the delivered history (<c>OutboxCounting</c>).
    /// </summary>
    Task<IReadOnlyList<OutboxTargetCounts>> CountAsync(IReadOnlyCollection<string>? targets = null, CancellationToken cancellationToken = default);

    /// <summary>Delivery rows, oldest first, optionally only those in <paramref name="state"/> (see <see cref="OutboxStates"/>).</summary>
    Task<IReadOnlyList<OutboxDeliveryRow>> ListAsync(string? state = null, int limit = 1000, CancellationToken cancellationToken = default);

    /// <summary>
    /// Resolves conflict <paramref name="conflictId"/> (<c>stmfhir outbox resolve</c>), in one transaction.
    /// <see cref="Conflicts.ConflictSides.Ours"/>: the target's current versions become the ones its updates expect, and the held
    /// deliveries go back to pending (or, with none held, a new row delivers the session's resources to that target
    /// alone): the local version is sent over the target's, still with <c>If-Match</c>. <see cref="Conflicts.ConflictSides.Theirs"/>:
    /// the held deliveries are marked delivered without being sent, and the conflict waits for the next pull of the
    /// target, which stores the target's version.
    /// </summary>
    Task<ConflictResolution> ResolveConflictAsync(long conflictId, string side, CancellationToken cancellationToken = default);

    /// <summary>
    /// One outbox row with its delivery to each target and, per delivered resource, the target's id, version and
    /// outcome; null for an unknown id. Resource ids only, never resource bodies.
    /// </summary>
    Task<OutboxEntry?> GetAsync(long outboxId, CancellationToken cancellationToken = default);
}

/// <summary>One outbox row and what became of it at each target.</summary>
/// <param name="OutboxId">The outbox row.</param>
/// <param name="Source">What produced it (e.g. <c>stm-session</c>).</param>
/// <param name="CreatedAt">When its change set committed.</param>
/// <param name="Resources">The resource versions it announces.</param>
/// <param name="Deliveries">Its delivery per target, by target name.</param>
public sealed record OutboxEntry(long OutboxId, string Source, DateTimeOffset CreatedAt, IReadOnlyList<OutboxResource> Resources,
    IReadOnlyList<OutboxTargetDelivery> Deliveries);

/// <summary>An outbox row's delivery to one target.</summary>
/// <param name="Target">The target name.</param>
/// <param name="State">See <see cref="OutboxStates"/>.</param>
/// <param name="Attempts">Attempts so far.</param>
/// <param name="NextAttemptAt">When a pending row is due.</param>
/// <param name="LeaseUntil">When the lease of a row in flight expires.</param>
/// <param name="UpdatedAt">The last change of state.</param>
/// <param name="Error">The last failure's message.</param>
/// <param name="HttpStatus">The target's HTTP status of the last failure.</param>
/// <param name="Results">Per resource, as the target holds it after the delivery (empty until delivered, and for data pulled from this target).</param>
public sealed record OutboxTargetDelivery(string Target, string State, int Attempts, DateTimeOffset NextAttemptAt, DateTimeOffset? LeaseUntil,
    DateTimeOffset UpdatedAt, string? Error, int? HttpStatus, IReadOnlyList<OutboxDeliveredResource> Results);

/// <summary>What resolving a conflict did.</summary>
/// <param name="Found">False for an unknown conflict id.</param>
/// <param name="Decided">False when the conflict was decided already (then nothing changed).</param>
/// <param name="Released">Held deliveries moved back to pending (ours) or marked delivered unsent (theirs).</param>
/// <param name="NewOutboxId">The row added to send our version, when none was held (ours).</param>
public sealed record ConflictResolution(bool Found, bool Decided, int Released, long? NewOutboxId);

/// <summary>The states of a delivery row.</summary>
public static class OutboxStates
{
    /// <summary>Waiting for its next attempt.</summary>
    public const string Pending = "pending";

    /// <summary>Claimed by a dispatcher until its lease expires.</summary>
    public const string InFlight = "in_flight";

    /// <summary>Delivered to the target.</summary>
    public const string Delivered = "delivered";

    /// <summary>Refused permanently by the target; waits for a replay.</summary>
    public const string Dead = "dead";

    /// <summary>
    /// Held: the session changed at the target too (a conflict, <c>Conflicts/CONFLICTS.md</c>); waits for
    /// <see cref="IOutboxStore.ResolveConflictAsync"/>.
    /// </summary>
    public const string Conflict = "conflict";

    /// <summary>Every state, in order.</summary>
    public static IReadOnlyList<string> All { get; } = [Pending, InFlight, Delivered, Dead, Conflict];
}

/// <summary>One claimed outbox row for one target.</summary>
/// <param name="OutboxId">The outbox row.</param>
/// <param name="Target">The target name.</param>
/// <param name="Claim">The claim token that must match when the result is recorded.</param>
/// <param name="Attempts">Attempts so far, this one included.</param>
/// <param name="Source">The outbox row's source (e.g. a session id).</param>
/// <param name="Payload">The resource versions the row announces.</param>
/// <param name="TraceParent">The W3C trace context of the request that wrote the row; null when it was not traced.</param>
public sealed record OutboxClaim(long OutboxId, string Target, string Claim, int Attempts, string Source, OutboxPayload Payload, string? TraceParent = null);

/// <summary>One resource as the target holds it after a delivery.</summary>
/// <param name="ResourceType">Resource type.</param>
/// <param name="Source">The local reference it was delivered from.</param>
/// <param name="TargetId">The id at the target.</param>
/// <param name="VersionId">The version at the target, when known.</param>
/// <param name="Change">created, updated or unchanged.</param>
/// <param name="LocalVersion">
/// The local version delivered, for a resource written to its id: with <paramref name="VersionId"/> it is what the
/// target and the store agree on from then (table <c>target_version</c>), which the next update's <c>If-Match</c> carries.
/// </param>
public sealed record OutboxDeliveredResource(string ResourceType, string Source, string TargetId, string? VersionId, string Change, int? LocalVersion = null);

/// <summary>Counts of delivery rows per state for one target.</summary>
/// <param name="Target">The target name.</param>
/// <param name="Pending">Pending rows.</param>
/// <param name="InFlight">Rows in flight.</param>
/// <param name="Delivered">Delivered rows.</param>
/// <param name="Dead">Dead-lettered rows.</param>
/// <param name="Conflict">Rows held by a conflict.</param>
public sealed record OutboxTargetCounts(string Target, int Pending, int InFlight, int Delivered, int Dead, int Conflict = 0)
{
    /// <summary>
    /// True for a target removed from the configuration (<see cref="IOutboxStore.RemoveTargetsAsync"/>): it gets no new
    /// rows, and its open rows wait until it is configured again or they are purged (<see cref="IOutboxStore.PurgeAsync"/>).
    /// </summary>
    public bool Orphaned { get; init; }

    /// <summary>When the target was removed from the configuration, for an orphaned one.</summary>
    public DateTimeOffset? RemovedAt { get; init; }

    /// <summary>When the oldest pending or in-flight row was committed (its wait began); null with none waiting.</summary>
    public DateTimeOffset? OldestPendingAt { get; init; }

    /// <summary>The latest failure among the target's open rows (rescheduled, dead or held); null with none.</summary>
    public OutboxTargetError? LastError { get; init; }
}

/// <summary>A delivery's last failure.</summary>
/// <param name="OutboxId">The outbox row.</param>
/// <param name="Message">The failure's message (ids and statuses, never a body).</param>
/// <param name="HttpStatus">The target's HTTP status, when it answered.</param>
/// <param name="At">When it was recorded.</param>
/// <param name="State">The row's state since (pending: tried again later; dead; conflict).</param>
public sealed record OutboxTargetError(long OutboxId, string Message, int? HttpStatus, DateTimeOffset At, string State);

/// <summary>One delivery row as listed.</summary>
/// <param name="OutboxId">The outbox row.</param>
/// <param name="Target">The target name.</param>
/// <param name="State">See <see cref="OutboxStates"/>.</param>
/// <param name="Attempts">Attempts so far.</param>
/// <param name="NextAttemptAt">When a pending row is due.</param>
/// <param name="UpdatedAt">The last change of state.</param>
/// <param name="Source">The outbox row's source.</param>
/// <param name="Error">The last failure's message (dead or rescheduled rows).</param>
/// <param name="HttpStatus">The target's HTTP status of the last failure.</param>
/// <param name="Outcome">The target's OperationOutcome (FHIR JSON) of a dead row.</param>
public sealed record OutboxDeliveryRow(long OutboxId, string Target, string State, int Attempts, DateTimeOffset NextAttemptAt,
    DateTimeOffset UpdatedAt, string Source, string? Error, int? HttpStatus, string? Outcome);
