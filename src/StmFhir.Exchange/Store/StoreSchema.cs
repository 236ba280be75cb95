namespace StmFhir.Exchange.Store;

/// <summary>
/// The tables, the same in SQLite and PostgreSQL:
/// <list type="bullet">
/// <item><c>resource_versions</c>: every version of every resource (the history), with its JSON;</item>
/// <item><c>resources</c>: the current version per (type, id), its time and content hash;</item>
/// <item><c>search_index</c>: one row per indexed value of a current version (tokens incl. business identifiers, references, date ranges);</item>
/// <item><c>outbox</c>: one row per committed change set, written in the same transaction, for the dispatcher to push;</item>
/// <item><c>outbox_delivery</c>: per outbox row and target, the delivery state (pending, in_flight with a lease, delivered, dead), attempts, next attempt time and the result or failure.</item>
/// <item><c>outbox_target</c>: the targets whose deliveries are written with each outbox row (in the commit's transaction); a target is
/// backfilled with the older rows once, when it is added (see <c>SqlResourceStore.Outbox.cs</c>).</item>
/// <item><c>pull_state</c>: per target pulled from, the last pull's time, result and error;</item>
/// <item><c>pull_watermark</c>: per target and resource type scanned, the greatest <c>meta.lastUpdated</c> of a pulled page whose sessions are committed.</item>
/// </list>
/// </summary>
internal static class StoreSchema
{
    public const int Version = 1;

    public static IEnumerable<string> Statements(StoreDialect dialect) =>
    [
        """
        CREATE TABLE IF NOT EXISTS resource_versions (
            type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, last_updated BIGINT NOT NULL, json TEXT NOT NULL,
            PRIMARY KEY (type, id, version))
        """,
        """
        CREATE TABLE IF NOT EXISTS resources (
            type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, last_updated BIGINT NOT NULL, content_hash TEXT NOT NULL,
            PRIMARY KEY (type, id))
        """,
        "CREATE INDEX IF NOT EXISTS ix_resources_updated ON resources (type, last_updated, id)",
        """
        CREATE TABLE IF NOT EXISTS search_index (
            type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, sys TEXT NOT NULL, val TEXT NOT NULL, lo BIGINT, hi BIGINT)
        """,
        "CREATE INDEX IF NOT EXISTS ix_search_token ON search_index (type, param, val, sys)",
        "CREATE INDEX IF NOT EXISTS ix_search_date ON search_index (type, param, lo, hi)",
        "CREATE INDEX IF NOT EXISTS ix_search_owner ON search_index (type, id)",
        $"""
        CREATE TABLE IF NOT EXISTS outbox (
            {dialect.OutboxIdColumn}, created_at BIGINT NOT NULL, source TEXT NOT NULL, payload TEXT NOT NULL,
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
        // Added after version 1; CREATE IF NOT EXISTS also adds them to an existing database, so no migration step is needed.
        """
        CREATE TABLE IF NOT EXISTS pull_state (
            target TEXT NOT NULL PRIMARY KEY, last_run_at BIGINT, last_result TEXT, last_error TEXT, updated_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS pull_watermark (
            target TEXT NOT NULL, resource_type TEXT NOT NULL, watermark TEXT NOT NULL, watermark_ticks BIGINT NOT NULL,
            updated_at BIGINT NOT NULL, PRIMARY KEY (target, resource_type))
        """,
        "CREATE TABLE IF NOT EXISTS schema_info (version INTEGER NOT NULL)",
    ];
}
