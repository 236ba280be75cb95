using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outbox;

/// <summary>
/// The outbox's tables, created with the store's (<see cref="IStoreExtension.Schema"/>), the same in SQLite and
/// PostgreSQL:
/// <list type="bullet">
/// <item><c>outbox</c>: one row per committed change set, written in the same transaction, for the dispatcher to push;</item>
/// <item><c>outbox_delivery</c>: per outbox row and target, the delivery state (pending, in_flight with a lease, delivered, dead, conflict), attempts, next attempt time and the result or failure;</item>
/// <item><c>outbox_hold</c>: the conflict that holds a delivery (state <c>conflict</c>), until it is resolved;</item>
/// <item><c>outbox_target</c>: the targets whose deliveries are written with each outbox row (in the commit's transaction); a target is
/// backfilled with the older rows once, when it is added (<see cref="OutboxTargets"/>);</item>
/// <item><c>outbox_target_removed</c>: targets taken out of the configuration: no row is enqueued for them any more, their
/// open rows are kept (orphaned) until purged or the target is configured again;</item>
/// <item><c>outbox_delivered_count</c>: per target, how many deliveries are delivered, kept by a trigger in the transaction
/// that changes them, so that the counts a status page reads never scan the delivered history.</item>
/// </list>
/// Columns added after a table was first created come last, as <see cref="StoreDialect.AddColumnIfMissing"/> statements:
/// <list type="bullet">
/// <item><c>outbox.traceparent</c>: the W3C trace context of the request that wrote the row, which the delivery's trace links to.</item>
/// </list>
/// </summary>
internal static class OutboxSchema
{
    public static IEnumerable<string> Statements(StoreDialect dialect) =>
    [
        $"""
        CREATE TABLE IF NOT EXISTS outbox (
            {dialect.IdentityKeyColumn}, created_at BIGINT NOT NULL, source TEXT NOT NULL, payload TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0)
        """,
        "CREATE INDEX IF NOT EXISTS ix_outbox_status ON outbox (status, id)",
        """
        CREATE TABLE IF NOT EXISTS outbox_delivery (
            outbox_id BIGINT NOT NULL, target TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at BIGINT NOT NULL, lease_until BIGINT, claim TEXT, updated_at BIGINT NOT NULL,
            result TEXT, error TEXT, http_status INTEGER, outcome TEXT,
            PRIMARY KEY (outbox_id, target))
        """,
        "CREATE INDEX IF NOT EXISTS ix_outbox_delivery_due ON outbox_delivery (target, state, next_attempt_at, outbox_id)",
        // A claim also takes back rows whose lease expired; with this index it never reads delivered rows.
        "CREATE INDEX IF NOT EXISTS ix_outbox_delivery_lease ON outbox_delivery (target, state, lease_until, outbox_id)",
        "CREATE TABLE IF NOT EXISTS outbox_target (target TEXT NOT NULL PRIMARY KEY, registered_at BIGINT NOT NULL)",
        // Added after version 1 (CREATE IF NOT EXISTS adds it to an existing database): which conflict holds a delivery.
        "CREATE TABLE IF NOT EXISTS outbox_hold (outbox_id BIGINT NOT NULL, target TEXT NOT NULL, conflict_id BIGINT NOT NULL, PRIMARY KEY (outbox_id, target))",
        "CREATE INDEX IF NOT EXISTS ix_outbox_hold_conflict ON outbox_hold (conflict_id)",
        // Added after version 1, like the statements below: the open (not delivered) rows only, which the status counts
        // read; its size follows the queue, not the history.
        "CREATE INDEX IF NOT EXISTS ix_outbox_delivery_open ON outbox_delivery (state, target, outbox_id) WHERE state <> 'delivered'",
        "CREATE TABLE IF NOT EXISTS outbox_target_removed (target TEXT NOT NULL PRIMARY KEY, removed_at BIGINT NOT NULL, last_outbox_id BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS outbox_delivered_count (target TEXT NOT NULL PRIMARY KEY, delivered BIGINT NOT NULL)",
        .. OutboxCounting.Statements(dialect),
        // Added after version 1: the W3C trace context of the request that wrote the row (null before, or untraced).
        dialect.AddColumnIfMissing("outbox", "traceparent", "TEXT"),
    ];
}
