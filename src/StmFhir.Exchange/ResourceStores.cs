using Microsoft.Extensions.Logging;
using StmFhir.Exchange.Audit;
using StmFhir.Exchange.Conflicts;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Outcomes;
using StmFhir.Exchange.Pull;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange;

/// <summary>
/// Creates the configured <see cref="IResourceStore"/> with the concepts that keep their tables in its database: the
/// outbox (its tables, and its row written with every commit) and the pull state. The one place that puts Store, Outbox
/// and Pull together, so that none of them refers to the others' way.
/// </summary>
public static class ResourceStores
{
    /// <summary>
    /// A store for <paramref name="options"/>; the caller owns it (it is <see cref="IAsyncDisposable"/>) and must call
    /// <see cref="IResourceStore.InitializeAsync"/> before use. For SQLite the data folder is created. Its outbox and
    /// pull state: <see cref="OutboxResourceStoreExtensions.Outbox"/>, <see cref="PullResourceStoreExtensions.PullState"/>.
    /// </summary>
    /// <param name="options">The storage options.</param>
    /// <param name="time">The clock.</param>
    /// <param name="outboxTargets">
    /// The configured exchange targets. Initialisation adds each one that is new to the outbox, with a pending delivery of
    /// every older row (once); from then on every committed change set writes its deliveries for all added targets in its
    /// own transaction. None by default (a process that only reads the outbox, or a target added at its first claim).
    /// </param>
    /// <param name="logger">Where the store logs (ids only), e.g. the choice among duplicated identifiers; none by default.</param>
    public static IResourceStore Create(StorageOptions options, TimeProvider time, IReadOnlyCollection<string>? outboxTargets = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problems().FirstOrDefault() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }
        StoreDialect dialect = options.Provider switch
        {
            "postgresql" => new PostgresDialect(options.ConnectionString!),
            _ => CreateSqlite(options),
        };
        return Create(dialect, time, outboxTargets,
            new IdentifierRules(options.AllowDuplicatePersonIdentifiers, logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
    }

    /// <summary>The store over <paramref name="dialect"/> with the outbox, the pull state, the conflicts, the audit trail and the outcome points in it (tests and benchmarks choose the dialect).</summary>
    internal static SqlResourceStore Create(StoreDialect dialect, TimeProvider time, IReadOnlyCollection<string>? outboxTargets = null,
        IdentifierRules? identifierRules = null) =>
        new(dialect, time, identifierRules, [new OutboxStore(dialect, time, outboxTargets), new PullStateStore(dialect, time), new ConflictStore(dialect, time),
            new AuditStore(dialect), new OutcomePointStore(dialect)]);

    private static SqliteDialect CreateSqlite(StorageOptions options)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(options.SqlitePath)!);
        return new SqliteDialect(options.SqlitePath, options.SqliteDurableCommits);
    }
}
