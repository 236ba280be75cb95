using System.Data.Common;

namespace StmFhir.Exchange.Store;

/// <summary>
/// What differs between the databases behind <see cref="SqlResourceStore"/>: connections, how a writer gets exclusive
/// access to the rows it changes, and the few SQL phrases without a common form. Everything else, schema and SQL, is
/// shared, so both databases behave the same. The concepts that keep tables beside the store's (<see cref="IStoreExtension"/>)
/// write through the same dialect, so they share its connections and, in SQLite, its one writer.
/// </summary>
internal abstract class StoreDialect : IAsyncDisposable
{
    /// <summary>The database kind for health reports.</summary>
    public abstract string Kind { get; }

    /// <summary>DDL of an auto-numbered primary key column named <c>id</c>.</summary>
    public abstract string IdentityKeyColumn { get; }

    /// <summary>
    /// Appended to a query, locks the rows it selects until the transaction ends and skips rows that another transaction
    /// has locked, so concurrent claimers take different rows; null where writers are serialised anyway (SQLite).
    /// </summary>
    public virtual string? SkipLocked => null;

    /// <summary>
    /// A statement that, run first in a transaction, waits for every open transaction that writes rows into
    /// <paramref name="table"/>, holds off new ones until this transaction ends, and serialises two transactions running
    /// it; null where writers are serialised anyway (SQLite).
    /// </summary>
    public virtual string? LockAgainstWriters(string table) => null;

    /// <summary>Prefixed to a statement to get its plan instead of running it.</summary>
    public abstract string ExplainPrefix { get; }

    /// <summary>
    /// A statement that adds a nullable column to an existing table, and does nothing when it is there already (a
    /// schema statement runs at every start). PostgreSQL says so in SQL; SQLite cannot, so its statement fails with
    /// "duplicate column name", which <see cref="IsColumnPresent"/> recognises and the schema's creation skips.
    /// </summary>
    public virtual string AddColumnIfMissing(string table, string column, string type) => $"ALTER TABLE {table} ADD COLUMN {column} {type}";

    /// <summary>Whether <paramref name="exception"/> says an <see cref="AddColumnIfMissing"/> column exists already.</summary>
    public virtual bool IsColumnPresent(Exception exception) => false;

    /// <summary>Statements run once before the schema is created.</summary>
    public virtual IEnumerable<string> SetupStatements => [];

    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>
    /// A connection to write on, with whatever exclusive access the database needs; disposing the lease gives it back.
    /// By default a new pooled connection that writers share the database through concurrently.
    /// </summary>
    public virtual async ValueTask<WriterLease> EnterWriterAsync(CancellationToken cancellationToken) =>
        new(await OpenAsync(cancellationToken).ConfigureAwait(false), keep: false, release: null);

    /// <summary>
    /// True where writers are serialised in the process (SQLite): change sets arriving while one commits are then written
    /// together, each under its own savepoint, in one transaction with one durable commit (see <see cref="CommitGroups"/>).
    /// </summary>
    public virtual bool GroupsCommits => false;

    public abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Takes transaction-scoped locks on the given keys (resource ids, business identifiers), in sorted order.</summary>
    public virtual Task LockAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> keys, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>True for failures that a retry of the whole transaction can cure (deadlock, serialization failure).</summary>
    public virtual bool IsTransient(Exception exception) => false;

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// Runs <paramref name="write"/> in a write transaction of its own and commits it; runs it again, up to three times in
    /// all, after a failure that <see cref="IsTransient"/> says a retry can cure (another instance won a race on the same
    /// rows, e.g. two dispatchers enqueueing the same row at once).
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> write, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var writer = await EnterWriterAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await using var transaction = await BeginWriteAsync(writer.Connection, cancellationToken).ConfigureAwait(false);
                    var result = await write(writer.Connection, transaction).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return result;
                }
                catch (Exception e) when (e is not (StoreRejectedException or OperationCanceledException))
                {
                    writer.Discard();
                    throw;
                }
            }
            catch (Exception e) when (attempt < MaxWriteAttempts && IsTransient(e))
            {
                // Lost a race; the loser runs again against the new state.
            }
        }
    }

    /// <summary>How often a write transaction is run in all when it fails transiently.</summary>
    public const int MaxWriteAttempts = 3;
}
