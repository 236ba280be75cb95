using System.Data.Common;

namespace StmFhir.Exchange.Store;

/// <summary>
/// Copies SQLite's WAL into the database file off the commit path. SQLite's own checkpoint runs inside the commit that
/// crosses the WAL limit, and every writer queued behind that commit waits for thousands of pages to be copied and the
/// database file synced: those commits were the slowest one in a hundred. Here a background loop checkpoints every
/// <see cref="Interval"/> on its own connection (PASSIVE: it never takes the write lock, writers go on appending); once
/// the WAL holds <c>restartPages</c> pages it checkpoints once more inside a writer's turn, where no frame can be added,
/// so that the WAL is fully copied and the next commit starts writing it from the beginning again. Without that turn
/// a steady stream of commits would never let the WAL be restarted and it would grow for as long as the load lasts.
/// </summary>
/// <remarks>
/// If checkpointing fails (disk full, I/O error) the loop tries again at the next interval; the writer connection keeps
/// SQLite's in-commit checkpoint at a multiple of the limit as a backstop (<see cref="SqliteDialect"/>), so the WAL stays
/// bounded even then.
/// </remarks>
internal sealed class SqliteCheckpointer : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly Func<CancellationToken, ValueTask<DbConnection>> _open;
    private readonly Func<CancellationToken, ValueTask<WriterLease>> _enterWriter;
    private readonly int _restartPages;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _checkpoints;
    private long _restarts;

    /// <param name="open">Opens a connection to the database for the background checkpoints.</param>
    /// <param name="enterWriter">Takes a writer's turn (no commit runs until it is given back).</param>
    /// <param name="restartPages">WAL pages at which the WAL is checkpointed to its end inside a writer's turn.</param>
    public SqliteCheckpointer(Func<CancellationToken, ValueTask<DbConnection>> open, Func<CancellationToken, ValueTask<WriterLease>> enterWriter, int restartPages)
    {
        _open = open;
        _enterWriter = enterWriter;
        _restartPages = restartPages;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Background checkpoints that found frames to copy.</summary>
    internal long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>Checkpoints run to the WAL's end inside a writer's turn, after which the next commit restarts the WAL.</summary>
    internal long Restarts => Interlocked.Read(ref _restarts);

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        DbConnection? connection = null;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Interval, cancellationToken).ConfigureAwait(false);
                try
                {
                    connection ??= await _open(cancellationToken).ConfigureAwait(false);
                    var walPages = await CheckpointAsync(connection, cancellationToken).ConfigureAwait(false);
                    if (walPages > 0)
                    {
                        Interlocked.Increment(ref _checkpoints);
                    }
                    if (walPages >= _restartPages)
                    {
                        // Only the frames appended during the checkpoint above are left to copy.
                        await using var writer = await _enterWriter(cancellationToken).ConfigureAwait(false);
                        await CheckpointAsync(writer.Connection, cancellationToken).ConfigureAwait(false);
                        Interlocked.Increment(ref _restarts);
                    }
                }
                catch (DbException)
                {
                    // Try again at the next interval, on a new connection.
                    if (connection is not null)
                    {
                        await connection.DisposeAsync().ConfigureAwait(false);
                        connection = null;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs a PASSIVE checkpoint and answers the WAL's size in pages (0 when it is empty or restarted).</summary>
    private static async Task<long> CheckpointAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        // One row: busy (1 when another checkpoint ran), pages in the WAL, pages copied.
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? reader.GetInt64(1) : 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
