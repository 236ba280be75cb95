namespace StmFhir.Exchange.Storage;

/// <summary>Creates the configured <see cref="IResourceStore"/>.</summary>
public static class ResourceStores
{
    /// <summary>
    /// A store for <paramref name="options"/>; the caller owns it (it is <see cref="IAsyncDisposable"/>) and must call
    /// <see cref="IResourceStore.InitializeAsync"/> before use. For SQLite the data folder is created.
    /// </summary>
    public static IResourceStore Create(StorageOptions options, TimeProvider time)
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
        return new SqlResourceStore(dialect, time);
    }

    private static SqliteDialect CreateSqlite(StorageOptions options)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(options.SqlitePath)!);
        return new SqliteDialect(options.SqlitePath, options.SqliteDurableCommits);
    }
}
