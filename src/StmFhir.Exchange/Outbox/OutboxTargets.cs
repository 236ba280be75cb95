using System.Collections.Concurrent;
using System.Globalization;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outbox;

/// <summary>
/// The outbox's targets (table <c>outbox_target</c>). Deliveries are enqueued when a change set commits, for every added
/// target (<see cref="OutboxEnqueue"/>), so a claim reads only the target's due rows by index: its cost does not grow
/// with the delivered history. A new target is backfilled once. A target taken out of the configuration leaves the table
/// for <c>outbox_target_removed</c> (no new rows; its open rows kept, orphaned, until purged or it comes back).
/// </summary>
internal sealed class OutboxTargets(StoreDialect dialect, TimeProvider time)
{
    /// <summary>
    /// Targets known to be in <c>outbox_target</c>. Removed only by <see cref="RemoveAsync"/>, at start, before a claim; a
    /// target this process delivers to is configured here, so it is never removed under it by this process.
    /// </summary>
    private readonly ConcurrentDictionary<string, bool> _added = new(StringComparer.Ordinal);

    /// <summary>True once this process has seen <paramref name="target"/> in <c>outbox_target</c>.</summary>
    public bool IsAdded(string target) => _added.ContainsKey(target);

    /// <summary>
    /// Adds <paramref name="target"/> to <c>outbox_target</c> unless it is there, and gives it a pending delivery of every
    /// outbox row it lacks: the one read of the whole outbox, once per target for the life of the database. From the
    /// commit of this transaction on, every change set writes the target's delivery itself (<see cref="OutboxEnqueue"/>).
    /// The number of rows backfilled. A target removed earlier (<see cref="RemoveAsync"/>) comes back with its open rows as
    /// they were, and is backfilled only with the rows committed while it was out: what was purged stays purged.
    /// </summary>
    /// <remarks>
    /// A change set committing concurrently could read <c>outbox_target</c> before the target is there while its outbox
    /// row is still invisible to the backfill; the dialect's lock against the outbox's writers
    /// (<see cref="StoreDialect.LockAgainstWriters"/>; PostgreSQL: a table lock that waits for open outbox writers and
    /// holds off new ones; SQLite: one writer anyway) rules that out, and serialises instances that add the same target at
    /// the same time: the later one finds it there and does nothing.
    /// </remarks>
    public async Task<int> AddAsync(string target, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        await using (var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var known = connection.Command("SELECT COUNT(*) FROM outbox_target WHERE target = @target").With("target", target);
            if (ToLong(await known.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L) > 0)
            {
                _added[target] = true;
                return 0;
            }
        }
        var backfilled = await dialect.WriteAsync(async (connection, transaction) =>
        {
            if (dialect.LockAgainstWriters("outbox") is { } sql)
            {
                await using var table = connection.Command(sql, transaction);
                await table.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            await using (var add = connection.Command(
                "INSERT INTO outbox_target (target, registered_at) VALUES (@target, @now) ON CONFLICT (target) DO NOTHING", transaction)
                .With("target", target).With("now", now))
            {
                if (await add.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    return 0;
                }
            }
            long after = 0;
            await using (var back = connection.Command("DELETE FROM outbox_target_removed WHERE target = @target RETURNING last_outbox_id", transaction)
                .With("target", target))
            {
                after = await back.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } last and not DBNull ? ToLong(last) : 0;
            }
            // NOT EXISTS keeps what the target already has: the origin's delivered rows of pulled data, and in a database
            // from before outbox_target the deliveries that claims added then.
            await using var backfill = connection.Command("""
                INSERT INTO outbox_delivery (outbox_id, target, state, attempts, next_attempt_at, updated_at)
                SELECT o.id, @target, 'pending', 0, @now, @now FROM outbox o
                WHERE o.id > @after AND NOT EXISTS (SELECT 1 FROM outbox_delivery d WHERE d.outbox_id = o.id AND d.target = @target)
                """, transaction).With("target", target).With("now", now).With("after", after);
            return await backfill.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        _added[target] = true;
        return backfilled;
    }

    /// <summary>
    /// Moves every target in <c>outbox_target</c> but <paramref name="configured"/> to <c>outbox_target_removed</c>, with
    /// the last outbox row it got; under the same lock as <see cref="AddAsync"/>, so no commit writes a delivery for it
    /// after. Its rows stay. The targets moved.
    /// </summary>
    public async Task<IReadOnlyList<string>> RemoveAsync(IReadOnlyCollection<string> configured, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configured);
        var removed = await dialect.WriteAsync<IReadOnlyList<string>>(async (connection, transaction) =>
        {
            if (dialect.LockAgainstWriters("outbox") is { } sql)
            {
                await using var table = connection.Command(sql, transaction);
                await table.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            var gone = new List<string>();
            await using (var list = connection.Command("SELECT target FROM outbox_target ORDER BY target", transaction))
            {
                await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (!configured.Contains(reader.GetString(0)))
                    {
                        gone.Add(reader.GetString(0));
                    }
                }
            }
            foreach (var target in gone)
            {
                await using var move = connection.Command(
                    "DELETE FROM outbox_target WHERE target = @target; " +
                    "INSERT INTO outbox_target_removed (target, removed_at, last_outbox_id) " +
                    "SELECT @target, @now, COALESCE(MAX(id), 0) FROM outbox WHERE TRUE ON CONFLICT (target) DO NOTHING", transaction)
                    .With("target", target).With("now", time.GetUtcNow().ToUnixTimeMilliseconds());
                await move.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            return gone;
        }, cancellationToken).ConfigureAwait(false);
        foreach (var target in removed)
        {
            _added.TryRemove(target, out _);
        }
        return removed;
    }

    /// <summary>Deletes an orphaned target's open deliveries (and their conflict holds); null when it is not orphaned.</summary>
    public Task<int?> PurgeAsync(string target, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        return dialect.WriteAsync<int?>(async (connection, transaction) =>
        {
            await using (var orphaned = connection.Command("SELECT COUNT(*) FROM outbox_target_removed WHERE target = @target", transaction).With("target", target))
            {
                if (ToLong(await orphaned.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L) == 0)
                {
                    return null;
                }
            }
            await using (var holds = connection.Command("DELETE FROM outbox_hold WHERE target = @target", transaction).With("target", target))
            {
                await holds.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await using var purge = connection.Command("DELETE FROM outbox_delivery WHERE target = @target AND state <> 'delivered'", transaction).With("target", target);
            return await purge.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    private static long ToLong(object value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);
}
