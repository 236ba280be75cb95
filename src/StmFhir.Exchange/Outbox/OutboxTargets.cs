using System.Collections.Concurrent;
using System.Globalization;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outbox;

/// <summary>
/// The outbox's targets (table <c>outbox_target</c>). Deliveries are enqueued when a change set commits, for every added
/// target (<see cref="OutboxEnqueue"/>), so a claim reads only the target's due rows by index: its cost does not grow
/// with the delivered history. A new target is backfilled once.
/// </summary>
internal sealed class OutboxTargets(StoreDialect dialect, TimeProvider time)
{
    /// <summary>Targets known to be in <c>outbox_target</c> (never removed, so a positive answer stays true).</summary>
    private readonly ConcurrentDictionary<string, bool> _added = new(StringComparer.Ordinal);

    /// <summary>True once this process has seen <paramref name="target"/> in <c>outbox_target</c>.</summary>
    public bool IsAdded(string target) => _added.ContainsKey(target);

    /// <summary>
    /// Adds <paramref name="target"/> to <c>outbox_target</c> unless it is there, and gives it a pending delivery of every
    /// outbox row it lacks: the one read of the whole outbox, once per target for the life of the database. From the
    /// commit of this transaction on, every change set writes the target's delivery itself (<see cref="OutboxEnqueue"/>).
    /// The number of rows backfilled.
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
            // NOT EXISTS keeps what the target already has: the origin's delivered rows of pulled data, and in a database
            // from before outbox_target the deliveries that claims added then.
            await using var backfill = connection.Command("""
                INSERT INTO outbox_delivery (outbox_id, target, state, attempts, next_attempt_at, updated_at)
                SELECT o.id, @target, 'pending', 0, @now, @now FROM outbox o
                WHERE NOT EXISTS (SELECT 1 FROM outbox_delivery d WHERE d.outbox_id = o.id AND d.target = @target)
                """, transaction).With("target", target).With("now", now);
            return await backfill.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        _added[target] = true;
        return backfilled;
    }

    private static long ToLong(object value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);
}
