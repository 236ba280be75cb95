namespace StmFhir.Exchange.Store;

/// <summary>
/// The store's tables, the same in SQLite and PostgreSQL:
/// <list type="bullet">
/// <item><c>resource_versions</c>: every version of every resource (the history), with its JSON;</item>
/// <item><c>resources</c>: the current version per (type, id), its time and content hash;</item>
/// <item><c>search_index</c>: one row per indexed value of a current version (tokens incl. business identifiers, references, date ranges);</item>
/// <item><c>deleted_resources</c>: the resources whose latest version is a delete (a tombstone: a version with empty JSON, no row in <c>resources</c>);</item>
/// <item><c>schema_info</c>: the schema's version, written last, so a database that has it has every table.</item>
/// </list>
/// The concepts beside the store add their own tables (<see cref="IStoreExtension.Schema"/>): the outbox
/// (<c>Outbox/OutboxSchema.cs</c>) and the pull state (<c>Pull/PullStateStore.cs</c>).
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
        // Added after version 1: a search sorted by a date descending walks the dates' upper bounds in order (SortWindow);
        // partial, so the token and reference rows (no dates) cost nothing to write.
        "CREATE INDEX IF NOT EXISTS ix_search_date_hi ON search_index (type, param, hi) WHERE hi IS NOT NULL",
        // The type-level and system-level history, newest first.
        "CREATE INDEX IF NOT EXISTS ix_versions_updated ON resource_versions (type, last_updated)",
        // Added after version 1 (CREATE IF NOT EXISTS adds it to an existing database): the resources whose latest
        // version is a delete (ResourceDeletes), so a read answers 410 and a re-create continues their version numbers.
        """
        CREATE TABLE IF NOT EXISTS deleted_resources (
            type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, last_updated BIGINT NOT NULL, PRIMARY KEY (type, id))
        """,
    ];

    /// <summary>Created after every other table.</summary>
    public const string InfoTable = "CREATE TABLE IF NOT EXISTS schema_info (version INTEGER NOT NULL)";
}
