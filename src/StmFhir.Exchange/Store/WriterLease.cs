using System.Data.Common;

namespace StmFhir.Exchange.Store;

/// <summary>
/// A connection lent to one writer (<see cref="StoreDialect.EnterWriterAsync"/>). Disposing gives it back: a pooled
/// connection is closed, a kept one (SQLite's single writer) stays open for the next writer, with its page cache warm.
/// </summary>
/// <param name="connection">The connection to write on.</param>
/// <param name="keep">True when the connection outlives the lease (it is not closed).</param>
/// <param name="release">Run last, told whether the connection was discarded: leaves the writer's turn, if any.</param>
internal sealed class WriterLease(DbConnection connection, bool keep, Func<bool, ValueTask>? release) : IAsyncDisposable
{
    private bool _broken;

    public DbConnection Connection { get; } = connection;

    /// <summary>
    /// Marks the connection as not to be reused: after a failure other than a rejected change (e.g. an I/O error) the
    /// connection's state is unknown, so the next writer opens a new one.
    /// </summary>
    public void Discard() => _broken = true;

    public async ValueTask DisposeAsync()
    {
        if (!keep)
        {
            await Connection.DisposeAsync().ConfigureAwait(false);
        }
        if (release is not null)
        {
            await release(_broken).ConfigureAwait(false);
        }
    }
}
