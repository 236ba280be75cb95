using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace StmFhir.Exchange.Store;

/// <summary>
/// SQLite in one file, in WAL mode so readers never wait for the writer. SQLite has one writer at a time; writers queue
/// on a semaphore in the process (instead of spinning on SQLITE_BUSY), take the write lock at BEGIN (IMMEDIATE), and
/// all write on one kept connection.
/// </summary>
/// <remarks>
/// Why one kept writer connection: in WAL mode a connection drops its whole page cache whenever another connection has
/// written since it last read, so writers taking turns on pooled connections re-read the index pages of every table from
/// the file on each commit (a profile under load: a third of SQLite's time in pread and page loading). The one writer
/// keeps its cache valid across commits, and gets a bigger one (<see cref="SqliteWriting.CacheKiB"/>).
/// </remarks>
internal sealed class SqliteDialect(string path, bool synchronousFull, SqliteWriting? writing = null) : StoreDialect
{
    private readonly SqliteWriting _writing = writing ?? SqliteWriting.Default;

    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    private readonly SemaphoreSlim _writer = new(1, 1);
    private SqliteConnection? _writerConnection;
    private SqliteCheckpointer? _checkpointer;

    public override string Kind => "sqlite";

    public override string ExplainPrefix => "EXPLAIN QUERY PLAN ";

    public override string IdentityKeyColumn => "id INTEGER PRIMARY KEY AUTOINCREMENT";

    public override IEnumerable<string> SetupStatements => ["PRAGMA journal_mode=WAL"];

    // SQLite's ALTER TABLE has no IF NOT EXISTS; a failed statement leaves its transaction open, so the schema goes on.
    public override bool IsColumnPresent(Exception exception) =>
        exception is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 1 } e && e.Message.Contains("duplicate column name", StringComparison.Ordinal);

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

    public override bool GroupsCommits => _writing.GroupCommits;

    public override async ValueTask<WriterLease> EnterWriterAsync(CancellationToken cancellationToken)
    {
        await _writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_writing.CheckpointInBackground)
            {
                _checkpointer ??= new SqliteCheckpointer(OpenAsync, EnterWriterAsync, _writing.CheckpointPages);
            }
            if (!_writing.KeepWriterConnection)
            {
                return new WriterLease(await OpenAsync(cancellationToken).ConfigureAwait(false), keep: false, ReleasePooledAsync);
            }
            if (_writerConnection is null)
            {
                var connection = (SqliteConnection)await OpenAsync(cancellationToken).ConfigureAwait(false);
                await using (var pragma = connection.CreateCommand())
                {
                    // temp_store=MEMORY keeps each group's savepoint journal (the pages a change set first touches, to undo
                    // it alone) in memory: on disk SQLite spills it past 64 KiB to a temp file in /var/tmp, created and
                    // deleted per group, and under load half the gateway's pwrite calls went to those files.
                    pragma.CommandText = $"PRAGMA cache_size=-{_writing.CacheKiB}; PRAGMA wal_autocheckpoint={InCommitCheckpointPages}; PRAGMA temp_store=MEMORY";
                    await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                _writerConnection = connection;
            }
            return new WriterLease(_writerConnection, keep: true, ReleaseWriterAsync);
        }
        catch
        {
            _writer.Release();
            throw;
        }
    }

    /// <summary>
    /// The WAL size at which a commit checkpoints it itself: the limit, or, when <see cref="SqliteCheckpointer"/> does
    /// that work in the background, a backstop far above it that a working checkpointer never lets the WAL reach.
    /// </summary>
    private int InCommitCheckpointPages => _writing.CheckpointInBackground ? _writing.CheckpointPages * 4 : _writing.CheckpointPages;

    /// <summary>The background checkpointer, once the first writer has started it (tests read its counters).</summary>
    internal SqliteCheckpointer? Checkpointer => _checkpointer;

    private ValueTask ReleasePooledAsync(bool broken)
    {
        _writer.Release();
        return ValueTask.CompletedTask;
    }

    private async ValueTask ReleaseWriterAsync(bool broken)
    {
        if (broken && _writerConnection is { } connection)
        {
            _writerConnection = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        _writer.Release();
    }

    public override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));

    public override async ValueTask DisposeAsync()
    {
        if (_checkpointer is { } checkpointer)
        {
            _checkpointer = null;
            await checkpointer.DisposeAsync().ConfigureAwait(false);
        }
        // A background writer (the audit trail's, a purge) may still be in its transaction on the kept connection while
        // the host disposes its services: wait for its turn to end (a few seconds at most) before closing the connection
        // under it, which otherwise failed inside Microsoft.Data.Sqlite's rollback.
        var turn = await _writer.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        if (_writerConnection is { } connection)
        {
            _writerConnection = null;
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        if (turn)
        {
            _writer.Release();
        }
        _writer.Dispose();
        // This store's pool only: clearing every pool in the process closed idle connections other stores (other tests,
        // other hosts in one process) were about to reuse.
        using var pooled = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(pooled);
    }
}

/// <summary>How the SQLite store writes (<see cref="SqliteDialect"/>); <see cref="Default"/> in production.</summary>
/// <param name="GroupCommits">Change sets queued during a commit are written together (<see cref="CommitGroups"/>).</param>
/// <param name="KeepWriterConnection">All writes go through one kept connection, whose page cache stays valid.</param>
/// <param name="CacheKiB">The kept writer connection's page cache (SQLite's default is 2 MiB): the hot index pages.</param>
/// <param name="CheckpointPages">
/// WAL pages after which they are all copied into the database file and the WAL starts again (SQLite's default is
/// 1,000, i.e. 4 MiB). A session dirties index pages all over the file (its ids are random UUIDs), so at 1,000 pages a
/// checkpoint, with its fsyncs, came every few sessions; a longer WAL copies a page that many sessions wrote once. Much
/// longer is not better: reads search a bigger WAL index, and with the checkpoint in the commit, that commit holds up
/// every writer behind it ('store' probe: 4,000 pages gave the lowest p99 commit latency at the same CPU as 8,000 and
/// 16,000).
/// </param>
/// <param name="CheckpointInBackground">
/// A background loop checkpoints (<see cref="SqliteCheckpointer"/>) instead of the commit that crosses the limit.
/// </param>
internal sealed record SqliteWriting(bool GroupCommits, bool KeepWriterConnection, int CacheKiB, int CheckpointPages, bool CheckpointInBackground)
{
    public static readonly SqliteWriting Default = new(GroupCommits: true, KeepWriterConnection: true, CacheKiB: 32 * 1024, CheckpointPages: 4_000, CheckpointInBackground: true);

    /// <summary>How the store wrote before: one commit per change set, on any pooled connection, SQLite's defaults (a benchmark baseline).</summary>
    public static readonly SqliteWriting OneByOne = new(GroupCommits: false, KeepWriterConnection: false, CacheKiB: 2 * 1024, CheckpointPages: 1_000, CheckpointInBackground: false);
}
