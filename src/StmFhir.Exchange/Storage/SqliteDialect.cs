using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace StmFhir.Exchange.Storage;

/// <summary>
/// SQLite in one file, in WAL mode so readers never wait for the writer. SQLite has one writer at a time; writers queue
/// on a semaphore in the process (instead of spinning on SQLITE_BUSY) and take the write lock at BEGIN (IMMEDIATE).
/// </summary>
internal sealed class SqliteDialect(string path, bool synchronousFull) : StoreDialect
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    private readonly SemaphoreSlim _writer = new(1, 1);

    public override string Kind => "sqlite";

    public override string ExplainPrefix => "EXPLAIN QUERY PLAN ";

    public override string OutboxIdColumn => "id INTEGER PRIMARY KEY AUTOINCREMENT";

    public override IEnumerable<string> SetupStatements => ["PRAGMA journal_mode=WAL"];

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var pragma = connection.CreateCommand();
        // FULL: an acknowledged commit survives power loss, which an accepted session must. NORMAL only survives a crash.
        pragma.CommandText = synchronousFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    public override async ValueTask<IDisposable?> EnterWriterAsync(CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Releaser(_writer);
    }

    public override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    public override ValueTask DisposeAsync()
    {
        _writer.Dispose();
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        public void Dispose() => semaphore.Release();
    }
}
