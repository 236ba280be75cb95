using Microsoft.Extensions.Logging;

namespace StmFhir.Exchange.Store;

/// <summary>Creates the configured <see cref="IResourceStore"/>.</summary>
public static class ResourceStores
{
    /// <summary>
    /// A store for <paramref name="options"/>; the caller owns it (it is <see cref="IAsyncDisposable"/>) and must call
    /// <see cref="IResourceStore.InitializeAsync"/> before use. For SQLite the data folder is created.
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
        return new SqlResourceStore(dialect, time, outboxTargets,
            new IdentifierRules(options.AllowDuplicatePersonIdentifiers, logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance));
    }

    private static SqliteDialect CreateSqlite(StorageOptions options)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(options.SqlitePath)!);
        return new SqliteDialect(options.SqlitePath, options.SqliteDurableCommits);
    }
}
