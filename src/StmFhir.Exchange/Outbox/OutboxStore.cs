using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using StmFhir.Exchange.Conflicts;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outbox;

/// <summary>
/// The outbox's store: the delivery state of every outbox row per target (<see cref="IOutboxStore"/>), in the resource
/// store's database and with the same SQL for both dialects. It is also the store's extension
/// (<see cref="IStoreExtension"/>) that creates the outbox's tables (<see cref="OutboxSchema"/>), adds the configured
/// targets at start (<see cref="OutboxTargets"/>) and writes each commit's outbox row in the commit's transaction
/// (<see cref="OutboxEnqueue"/>). Here a row is claimed, renewed, marked delivered, rescheduled, dead-lettered and
/// replayed; reports on the rows are in <see cref="OutboxReads"/>.
/// </summary>
/// <param name="dialect">The resource store's database (shared: same connections and, in SQLite, the same writer).</param>
/// <param name="time">The clock.</param>
/// <param name="configuredTargets">The targets added to the outbox (and backfilled once) at start.</param>
internal sealed class OutboxStore(StoreDialect dialect, TimeProvider time, IReadOnlyCollection<string>? configuredTargets = null)
    : IOutboxStore, IStoreExtension
{
    private readonly OutboxTargets _targets = new(dialect, time);

    public IEnumerable<string> Schema(StoreDialect database) => OutboxSchema.Statements(database);

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        foreach (var target in configuredTargets ?? [])
        {
            await _targets.AddAsync(target, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<long?> WriteWithCommitAsync(CommitContext commit, CancellationToken cancellationToken) =>
        OutboxEnqueue.WriteAsync(commit, cancellationToken);

    /// <summary>
    /// Claims a target's due rows (parameters <c>target</c>, <c>now</c>, <c>limit</c>, <c>claim</c>, <c>lease</c>): marks
    /// them in flight under a new claim token and lease, and counts the attempt.
    /// </summary>
    internal string ClaimSql => $"""
        UPDATE outbox_delivery SET state = 'in_flight', claim = @claim, lease_until = @lease, attempts = attempts + 1, updated_at = @now
        WHERE target = @target AND outbox_id IN ({DueRows})
        RETURNING outbox_id, attempts
        """;

    /// <summary>
    /// The sub-select of a claim: the ids of target <c>@target</c>'s due rows (pending and due at <c>@now</c>, or in
    /// flight with an expired lease), oldest first, at most <c>@limit</c>. Each branch reads a range of a covering
    /// index (<c>ix_outbox_delivery_due</c>, <c>ix_outbox_delivery_lease</c>), which no planner can find dearer than a
    /// scan: one query with OR got SQLite to scan the table once ANALYZE had seen few distinct states. The <c>+</c>
    /// keeps the sort from being done by walking the primary key (every delivered row) instead.
    /// Where several dispatchers claim at once (PostgreSQL), the rows are locked and others' locked rows skipped, which
    /// a UNION cannot carry; PostgreSQL's statistics know how rare pending and in-flight rows are, and it combines both
    /// indexes (BitmapOr) for the OR.
    /// </summary>
    private string DueRows => dialect.SkipLocked is { } skipLocked
        ? $"""
            SELECT outbox_id FROM outbox_delivery
            WHERE target = @target AND ((state = 'pending' AND next_attempt_at <= @now) OR (state = 'in_flight' AND lease_until <= @now))
            ORDER BY +outbox_id LIMIT @limit {skipLocked}
            """
        : """
            SELECT outbox_id FROM (
                SELECT outbox_id FROM outbox_delivery WHERE target = @target AND state = 'pending' AND next_attempt_at <= @now
                UNION ALL
                SELECT outbox_id FROM outbox_delivery WHERE target = @target AND state = 'in_flight' AND lease_until <= @now) due
            ORDER BY +outbox_id LIMIT @limit
            """;

    public async Task<IReadOnlyList<OutboxClaim>> ClaimAsync(string target, int limit, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        if (!_targets.IsAdded(target))
        {
            await _targets.AddAsync(target, cancellationToken).ConfigureAwait(false);
        }
        var now = Now();
        var claim = Guid.NewGuid().ToString("N");
        var claimed = await dialect.WriteAsync(async (connection, transaction) =>
        {
            await using var update = connection.Command(ClaimSql, transaction)
                .With("claim", claim).With("lease", leaseUntil.ToUnixTimeMilliseconds()).With("now", now).With("target", target).With("limit", limit);
            var rows = new List<(long Id, int Attempts)>();
            await using var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add((ToLong(reader.GetValue(0)), (int)ToLong(reader.GetValue(1))));
            }
            return rows;
        }, cancellationToken).ConfigureAwait(false);

        if (claimed.Count == 0)
        {
            return [];
        }
        // The rows' payloads in one query (at most BatchSize, 1000, ids), not one per row.
        var claims = new List<OutboxClaim>(claimed.Count);
        var attemptsOf = claimed.ToDictionary(r => r.Id, r => r.Attempts);
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var read = connection.Command("");
        read.CommandText = "SELECT id, source, payload, traceparent FROM outbox WHERE id IN (" +
            string.Join(", ", claimed.Select((r, i) => { read.With($"id{i}", r.Id); return $"@id{i}"; })) + ") ORDER BY id";
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = ToLong(reader.GetValue(0));
            var payload = JsonSerializer.Deserialize(reader.GetString(2), OutboxJsonContext.Default.OutboxPayload) ?? new OutboxPayload([]);
            claims.Add(new OutboxClaim(id, target, claim, attemptsOf[id], reader.GetString(1), payload, reader.IsDBNull(3) ? null : reader.GetString(3)));
        }
        return claims;
    }

    public async Task<bool> RenewAsync(OutboxClaim claim, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var changed = await dialect.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.Command(
                "UPDATE outbox_delivery SET lease_until = @lease WHERE outbox_id = @id AND target = @target AND claim = @claim AND state = 'in_flight'", transaction)
                .With("lease", leaseUntil.ToUnixTimeMilliseconds()).With("id", claim.OutboxId).With("target", claim.Target).With("claim", claim.Claim);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return changed == 1;
    }

    public Task<bool> MarkDeliveredAsync(OutboxClaim claim, IReadOnlyList<OutboxDeliveredResource> resources, CancellationToken cancellationToken = default) =>
        FinishAsync(claim, "state = 'delivered', result = @result, error = NULL, http_status = NULL, outcome = NULL",
            c => c.With("result", JsonSerializer.Serialize(resources, OutboxJsonContext.Default.IReadOnlyListOutboxDeliveredResource)), cancellationToken);

    public async Task<IReadOnlyList<bool>> MarkDeliveredAsync(IReadOnlyList<(OutboxClaim Claim, IReadOnlyList<OutboxDeliveredResource> Resources)> deliveries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        if (deliveries.Count == 0)
        {
            return [];
        }
        return await dialect.WriteAsync<IReadOnlyList<bool>>(async (connection, transaction) =>
        {
            var recorded = new List<bool>(deliveries.Count);
            var agreed = new List<(string Target, SyncRow Row)>();
            foreach (var (claim, resources) in deliveries)
            {
                ArgumentNullException.ThrowIfNull(claim);
                await using var command = connection.Command(
                    "UPDATE outbox_delivery SET state = 'delivered', result = @result, error = NULL, http_status = NULL, outcome = NULL, " +
                    "claim = NULL, lease_until = NULL, updated_at = @now " +
                    "WHERE outbox_id = @id AND target = @target AND claim = @claim AND state = 'in_flight'", transaction)
                    .With("result", JsonSerializer.Serialize(resources, OutboxJsonContext.Default.IReadOnlyListOutboxDeliveredResource))
                    .With("now", Now()).With("id", claim.OutboxId).With("target", claim.Target).With("claim", claim.Claim);
                var marked = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
                recorded.Add(marked);
                if (marked)
                {
                    agreed.AddRange(Agreed(resources).Select(r => (claim.Target, r)));
                }
            }
            foreach (var target in agreed.GroupBy(a => a.Target))
            {
                // What the target and the store agree on from now, for the next update's If-Match (and the next pull): one
                // statement per 100 resources, not one per row.
                await ConflictStore.WriteVersionsAsync(connection, transaction, target.Key, target.Select(a => a.Row), Now(), cancellationToken).ConfigureAwait(false);
            }
            return recorded;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The versions a delivery left that the store can name by its own type and id (PUTs to the stored ids).</summary>
    private static IEnumerable<SyncRow> Agreed(IReadOnlyList<OutboxDeliveredResource> resources) =>
        resources.Where(r => r.LocalVersion is not null && r.VersionId is not null && r.Source.Split('/') is [_, { Length: > 0 }])
            .Select(r => new SyncRow(r.ResourceType, r.Source.Split('/')[1], r.TargetId, r.VersionId!, r.LocalVersion!.Value));

    /// <summary>Holds a claimed delivery under a conflict (a new one, or <paramref name="conflictId"/>); the conflict's id, or null when the claim was lost.</summary>
    internal Task<long?> HoldAsync(OutboxClaim claim, NewConflict? conflict, long conflictId, string message, int? httpStatus, CancellationToken cancellationToken = default) =>
        OutboxConflicts.HoldAsync(dialect, Now(), claim, conflict, conflictId, message, httpStatus, cancellationToken);

    /// <summary>Marks a claimed delivery delivered unsent: the target's version wins its session; false when the claim was lost.</summary>
    internal Task<bool> SupersedeAsync(OutboxClaim claim, NewConflict? conflict, string message, CancellationToken cancellationToken = default) =>
        OutboxConflicts.SupersedeAsync(dialect, Now(), claim, conflict, message, cancellationToken);

    public Task<ConflictResolution> ResolveConflictAsync(long conflictId, string side, CancellationToken cancellationToken = default)
    {
        if (side is not (ConflictSides.Ours or ConflictSides.Theirs))
        {
            throw new ArgumentException($"side must be '{ConflictSides.Ours}' or '{ConflictSides.Theirs}'", nameof(side));
        }
        return OutboxConflicts.ResolveAsync(dialect, Now(), conflictId, side, cancellationToken);
    }

    public Task<bool> RescheduleAsync(OutboxClaim claim, DateTimeOffset nextAttemptAt, string message, CancellationToken cancellationToken = default) =>
        FinishAsync(claim, "state = 'pending', next_attempt_at = @next, error = @error",
            c => c.With("next", nextAttemptAt.ToUnixTimeMilliseconds()).With("error", message), cancellationToken);

    public Task<bool> DeadLetterAsync(OutboxClaim claim, string message, int? httpStatus, string? outcomeJson, CancellationToken cancellationToken = default) =>
        FinishAsync(claim, "state = 'dead', error = @error, http_status = @status, outcome = @outcome",
            c => c.With("error", message).With("status", httpStatus).With("outcome", outcomeJson), cancellationToken);

    public Task<int> ReplayAsync(long outboxId, string? target = null, CancellationToken cancellationToken = default) =>
        dialect.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.Command(
                "UPDATE outbox_delivery SET state = 'pending', next_attempt_at = @now, updated_at = @now, attempts = 0, claim = NULL, lease_until = NULL " +
                "WHERE state = 'dead' AND outbox_id = @id" + (target is null ? "" : " AND target = @target"), transaction)
                .With("now", Now()).With("id", outboxId);
            if (target is not null)
            {
                command.With("target", target);
            }
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<int> ReplayAllDeadAsync(CancellationToken cancellationToken = default) =>
        dialect.WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.Command(
                "UPDATE outbox_delivery SET state = 'pending', next_attempt_at = @now, updated_at = @now, attempts = 0, claim = NULL, lease_until = NULL " +
                "WHERE state = 'dead'", transaction).With("now", Now());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<IReadOnlyList<string>> RemoveTargetsAsync(IReadOnlyCollection<string> configured, CancellationToken cancellationToken = default) =>
        _targets.RemoveAsync(configured, cancellationToken);

    public Task<int?> PurgeAsync(string target, CancellationToken cancellationToken = default) => _targets.PurgeAsync(target, cancellationToken);

    public Task<IReadOnlyList<OutboxTargetCounts>> CountAsync(IReadOnlyCollection<string>? targets = null, CancellationToken cancellationToken = default) =>
        OutboxCounting.CountAsync(dialect, targets, cancellationToken);

    public Task<IReadOnlyList<OutboxDeliveryRow>> ListAsync(string? state = null, int limit = 1000, CancellationToken cancellationToken = default) =>
        OutboxReads.ListAsync(dialect, state, limit, cancellationToken);

    public Task<OutboxEntry?> GetAsync(long outboxId, CancellationToken cancellationToken = default) =>
        OutboxReads.GetAsync(dialect, outboxId, cancellationToken);

    /// <summary>Every outbox row, oldest first (for tests: what the commits wrote).</summary>
    internal Task<IReadOnlyList<(long Id, string Source, string Payload)>> RowsAsync(CancellationToken cancellationToken = default) =>
        OutboxReads.RowsAsync(dialect, cancellationToken);

    /// <summary>Adds a target now (see <see cref="OutboxTargets.AddAsync"/>); the number of rows backfilled.</summary>
    internal Task<int> AddTargetAsync(string target, CancellationToken cancellationToken) => _targets.AddAsync(target, cancellationToken);

    /// <summary>The database's plan for <see cref="ClaimSql"/> (for tests: it must use the indexes, never scan).</summary>
    internal Task<string> ExplainClaimAsync(string target, CancellationToken cancellationToken = default) =>
        ExplainAsync(ClaimSql, c => c.With("claim", "explain").With("lease", 0L).With("now", Now()).With("target", target).With("limit", 10), cancellationToken);

    /// <summary>The database's plan for the status counts' query (for tests: the open rows' index, never the history).</summary>
    internal Task<string> ExplainCountsAsync(CancellationToken cancellationToken = default) =>
        ExplainAsync(OutboxCounting.OpenCountsSql, c => c, cancellationToken);

    /// <summary>The database's plans for listing the dead letters and a target's last error (for tests: open rows only, never the history).</summary>
    internal async Task<string> ExplainDeadListAsync(CancellationToken cancellationToken = default) =>
        await ExplainAsync(OutboxReads.ListSql(OutboxStates.Dead), c => c.With("state", OutboxStates.Dead).With("limit", 1000), cancellationToken).ConfigureAwait(false)
        + await ExplainAsync(OutboxCounting.LastErrorSql, c => c.With("target", "t"), cancellationToken).ConfigureAwait(false);

    private async Task<string> ExplainAsync(string sql, Func<DbCommand, DbCommand> parameters, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = parameters(connection.Command(dialect.ExplainPrefix + sql));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var plan = new StringBuilder();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            plan.AppendLine(Convert.ToString(reader.GetValue(reader.FieldCount - 1), CultureInfo.InvariantCulture));
        }
        return plan.ToString();
    }

    private async Task<bool> FinishAsync(OutboxClaim claim, string set, Func<DbCommand, DbCommand> parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var changed = await dialect.WriteAsync(async (connection, transaction) =>
        {
            await using var command = parameters(connection.Command(
                $"UPDATE outbox_delivery SET {set}, claim = NULL, lease_until = NULL, updated_at = @now " +
                "WHERE outbox_id = @id AND target = @target AND claim = @claim AND state = 'in_flight'", transaction))
                .With("now", Now()).With("id", claim.OutboxId).With("target", claim.Target).With("claim", claim.Claim);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return changed == 1;
    }

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    private static long ToLong(object value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);
}
