using System.Collections.Concurrent;
using System.Text;

namespace StmFhir.Exchange.Store;

/// <summary>
/// The outbox's targets (table <c>outbox_target</c>) and the claim query. Deliveries are enqueued when a change set
/// commits, for every added target, so a claim reads only the target's due rows by index: its cost does not grow with
/// the delivered history. A new target is backfilled once.
/// </summary>
internal sealed partial class SqlResourceStore
{
    /// <summary>Targets known to be in <c>outbox_target</c> (never removed, so a positive answer stays true).</summary>
    private readonly ConcurrentDictionary<string, bool> _addedTargets = new(StringComparer.Ordinal);

    /// <summary>
    /// Claims a target's due rows (parameters <c>target</c>, <c>now</c>, <c>limit</c>, <c>claim</c>, <c>lease</c>),
    /// found by <see cref="StoreDialect.ClaimDueRows"/> through the due and lease indexes.
    /// </summary>
    internal string ClaimSql => $"""
        UPDATE outbox_delivery SET state = 'in_flight', claim = @claim, lease_until = @lease, attempts = attempts + 1, updated_at = @now
        WHERE target = @target AND outbox_id IN ({dialect.ClaimDueRows})
        RETURNING outbox_id, attempts
        """;

    /// <summary>
    /// Adds <paramref name="target"/> to <c>outbox_target</c> unless it is there, and gives it a pending delivery of every
    /// outbox row it lacks: the one read of the whole outbox, once per target for the life of the database. From the
    /// commit of this transaction on, every change set writes the target's delivery itself (<see cref="ChangeSetWriter"/>).
    /// The number of rows backfilled.
    /// </summary>
    /// <remarks>
    /// A change set committing concurrently could read <c>outbox_target</c> before the target is there while its outbox
    /// row is still invisible to the backfill; the dialect's <see cref="StoreDialect.OutboxTargetLock"/> (PostgreSQL:
    /// a table lock that waits for open outbox writers and holds off new ones; SQLite: one writer anyway) rules that out,
    /// and serialises instances that add the same target at the same time: the later one finds it there and does nothing.
    /// </remarks>
    internal async Task<int> AddOutboxTargetAsync(string target, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        await using (var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            await using var known = connection.Command("SELECT COUNT(*) FROM outbox_target WHERE target = @target").With("target", target);
            if (ToLong(await known.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L) > 0)
            {
                _addedTargets[target] = true;
                return 0;
            }
        }
        var backfilled = await WriteAsync(async (connection, transaction) =>
        {
            if (dialect.OutboxTargetLock is { } sql)
            {
                await using var table = connection.Command(sql, transaction);
                await table.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            var now = Now();
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
        _addedTargets[target] = true;
        return backfilled;
    }

    /// <summary>The database's plan for <see cref="ClaimSql"/> (for tests: it must use the indexes, never scan).</summary>
    internal async Task<string> ExplainClaimAsync(string target, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(dialect.ExplainPrefix + ClaimSql)
            .With("claim", "explain").With("lease", 0L).With("now", Now()).With("target", target).With("limit", 10);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var plan = new StringBuilder();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            plan.AppendLine(Convert.ToString(reader.GetValue(reader.FieldCount - 1), System.Globalization.CultureInfo.InvariantCulture));
        }
        return plan.ToString();
    }
}
