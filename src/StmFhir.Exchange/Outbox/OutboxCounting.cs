using System.Data.Common;
using System.Globalization;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outbox;

/// <summary>
/// The outbox's counts per target (<see cref="IOutboxStore.CountAsync"/>), at a cost that follows the queue, not the
/// history: open rows (every state but delivered) are counted through the partial index <c>ix_outbox_delivery_open</c>,
/// and delivered rows are counted as they become delivered, by a trigger in the same transaction
/// (<c>outbox_delivered_count</c>). Also each target's oldest waiting row, last error, and whether it was removed from
/// the configuration (orphaned).
/// </summary>
internal static class OutboxCounting
{
    /// <summary>The trigger that keeps <c>outbox_delivered_count</c>, and its first fill from a database that had none.</summary>
    public static IEnumerable<string> Statements(StoreDialect dialect) =>
    [
        // A database from before the counter: counted once, when the table is still empty (nothing counted yet).
        "INSERT INTO outbox_delivered_count (target, delivered) SELECT target, COUNT(*) FROM outbox_delivery " +
        "WHERE state = 'delivered' AND NOT EXISTS (SELECT 1 FROM outbox_delivered_count) GROUP BY target",
        .. dialect.Kind == "postgresql" ? PostgresTrigger : SqliteTriggers,
    ];

    private static readonly string[] SqliteTriggers =
    [
        """
        CREATE TRIGGER IF NOT EXISTS outbox_delivered_insert AFTER INSERT ON outbox_delivery FOR EACH ROW WHEN NEW.state = 'delivered'
        BEGIN
            INSERT INTO outbox_delivered_count (target, delivered) VALUES (NEW.target, 1) ON CONFLICT (target) DO UPDATE SET delivered = delivered + 1;
        END
        """,
        """
        CREATE TRIGGER IF NOT EXISTS outbox_delivered_update AFTER UPDATE OF state ON outbox_delivery FOR EACH ROW
        WHEN (NEW.state = 'delivered') <> (OLD.state = 'delivered')
        BEGIN
            INSERT INTO outbox_delivered_count (target, delivered) VALUES (NEW.target, CASE WHEN NEW.state = 'delivered' THEN 1 ELSE -1 END)
            ON CONFLICT (target) DO UPDATE SET delivered = delivered + excluded.delivered;
        END
        """,
        """
        CREATE TRIGGER IF NOT EXISTS outbox_delivered_delete AFTER DELETE ON outbox_delivery FOR EACH ROW WHEN OLD.state = 'delivered'
        BEGIN
            UPDATE outbox_delivered_count SET delivered = delivered - 1 WHERE target = OLD.target;
        END
        """,
    ];

    private static readonly string[] PostgresTrigger =
    [
        """
        CREATE OR REPLACE FUNCTION outbox_count_delivered() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            change INTEGER := 0;
            name TEXT;
        BEGIN
            IF TG_OP <> 'DELETE' AND NEW.state = 'delivered' THEN change := 1; name := NEW.target; END IF;
            IF TG_OP <> 'INSERT' AND OLD.state = 'delivered' THEN change := change - 1; name := OLD.target; END IF;
            IF change <> 0 THEN
                INSERT INTO outbox_delivered_count (target, delivered) VALUES (name, change)
                ON CONFLICT (target) DO UPDATE SET delivered = outbox_delivered_count.delivered + excluded.delivered;
            END IF;
            RETURN NULL;
        END $$
        """,
        "CREATE OR REPLACE TRIGGER outbox_delivered_counted AFTER INSERT OR UPDATE OF state OR DELETE ON outbox_delivery " +
        "FOR EACH ROW EXECUTE FUNCTION outbox_count_delivered()",
    ];

    /// <summary>The query of the open rows' counts (for tests: its plan must use the partial index).</summary>
    internal const string OpenCountsSql =
        "SELECT state, target, COUNT(*), MIN(outbox_id) FROM outbox_delivery WHERE state <> 'delivered' GROUP BY state, target";

    /// <summary>
    /// A target's latest failure among its open rows. Both conditions on the state are needed: the literal
    /// <c>&lt;&gt; 'delivered'</c> makes the partial index eligible, and the named states let SQLite search it by state and
    /// target; with the target alone it walked the target's whole history in <c>ix_outbox_delivery_lease</c>.
    /// </summary>
    internal const string LastErrorSql =
        "SELECT outbox_id, error, http_status, updated_at, state FROM outbox_delivery WHERE state <> 'delivered' " +
        "AND state IN ('pending', 'in_flight', 'dead', 'conflict') AND target = @target AND error IS NOT NULL ORDER BY updated_at DESC LIMIT 1";

    public static async Task<IReadOnlyList<OutboxTargetCounts>> CountAsync(StoreDialect dialect, IReadOnlyCollection<string>? targets, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        var counts = new SortedDictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        Dictionary<string, int> For(string target) => counts.TryGetValue(target, out var states) ? states : counts[target] = [];
        var oldest = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var row in RowsAsync(connection, OpenCountsSql, null, cancellationToken).ConfigureAwait(false))
        {
            var (state, target) = ((string)row[0], (string)row[1]);
            For(target)[state] = (int)ToLong(row[2]);
            if (state is OutboxStates.Pending or OutboxStates.InFlight)
            {
                var first = ToLong(row[3]);
                oldest[target] = oldest.TryGetValue(target, out var other) ? Math.Min(first, other) : first;
            }
        }
        await foreach (var row in RowsAsync(connection, "SELECT target, delivered FROM outbox_delivered_count", null, cancellationToken).ConfigureAwait(false))
        {
            For((string)row[0])[OutboxStates.Delivered] = (int)ToLong(row[1]);
        }
        var removed = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var row in RowsAsync(connection, "SELECT target, removed_at FROM outbox_target_removed", null, cancellationToken).ConfigureAwait(false))
        {
            removed[(string)row[0]] = ToLong(row[1]);
            For((string)row[0]);
        }
        await CountNotAddedAsync(connection, targets, counts, cancellationToken).ConfigureAwait(false);
        var result = new List<OutboxTargetCounts>(counts.Count);
        foreach (var (target, states) in counts)
        {
            result.Add(new OutboxTargetCounts(target, states.GetValueOrDefault(OutboxStates.Pending), states.GetValueOrDefault(OutboxStates.InFlight),
                states.GetValueOrDefault(OutboxStates.Delivered), states.GetValueOrDefault(OutboxStates.Dead), states.GetValueOrDefault(OutboxStates.Conflict))
            {
                Orphaned = removed.ContainsKey(target),
                RemovedAt = removed.TryGetValue(target, out var at) ? At(at) : null,
                OldestPendingAt = oldest.TryGetValue(target, out var id) ? await CreatedAtAsync(connection, id, cancellationToken).ConfigureAwait(false) : null,
                LastError = await LastErrorAsync(connection, target, cancellationToken).ConfigureAwait(false),
            });
        }
        return result;
    }

    /// <summary>
    /// A configured target not added yet (no dispatcher has started for it): every row it lacks will be backfilled, so
    /// counts as pending. Only this count reads the whole outbox, and only until the target is added.
    /// </summary>
    private static async Task CountNotAddedAsync(DbConnection connection, IReadOnlyCollection<string>? targets,
        SortedDictionary<string, Dictionary<string, int>> counts, CancellationToken cancellationToken)
    {
        var added = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var row in RowsAsync(connection, "SELECT target FROM outbox_target", null, cancellationToken).ConfigureAwait(false))
        {
            added.Add((string)row[0]);
        }
        foreach (var target in targets ?? [])
        {
            if (!counts.TryGetValue(target, out var states))
            {
                counts[target] = states = [];
            }
            if (added.Contains(target))
            {
                continue;
            }
            await using var waiting = connection.Command(
                "SELECT COUNT(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM outbox_delivery d WHERE d.outbox_id = o.id AND d.target = @target)")
                .With("target", target);
            var unclaimed = (int)ToLong(await waiting.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L);
            states[OutboxStates.Pending] = states.GetValueOrDefault(OutboxStates.Pending) + unclaimed;
        }
    }

    private static async Task<DateTimeOffset?> CreatedAtAsync(DbConnection connection, long outboxId, CancellationToken cancellationToken)
    {
        await using var command = connection.Command("SELECT created_at FROM outbox WHERE id = @id").With("id", outboxId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is { } value and not DBNull ? At(ToLong(value)) : null;
    }

    /// <summary>The latest failure among the target's open rows (a rescheduled, dead or held one), or null.</summary>
    private static async Task<OutboxTargetError?> LastErrorAsync(DbConnection connection, string target, CancellationToken cancellationToken)
    {
        await foreach (var row in RowsAsync(connection,
            LastErrorSql, target, cancellationToken).ConfigureAwait(false))
        {
            return new OutboxTargetError(ToLong(row[0]), (string)row[1], row[2] is DBNull ? null : (int)ToLong(row[2]), At(ToLong(row[3])), (string)row[4]);
        }
        return null;
    }

    private static async IAsyncEnumerable<object[]> RowsAsync(DbConnection connection, string sql, string? target,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = connection.Command(sql);
        if (target is not null)
        {
            command.With("target", target);
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var values = new object[reader.FieldCount];
            reader.GetValues(values);
            yield return values;
        }
    }

    private static DateTimeOffset At(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);

    private static long ToLong(object value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);
}
