using System.Data.Common;

namespace StmFhir.Exchange.Storage;

/// <summary>
/// What differs between the databases behind <see cref="SqlResourceStore"/>: connections, how a writer gets exclusive
/// access to the rows it changes, and the outbox key. Everything else, schema and SQL, is shared, so both databases
/// behave the same.
/// </summary>
internal abstract class StoreDialect : IAsyncDisposable
{
    /// <summary>The database kind for health reports.</summary>
    public abstract string Kind { get; }

    /// <summary>DDL of the outbox's auto-numbered key column.</summary>
    public abstract string OutboxIdColumn { get; }

    /// <summary>Appended to the sub-select that picks outbox rows to claim, so concurrent dispatchers skip each other's rows.</summary>
    public virtual string ClaimLockClause => "";

    /// <summary>Statements run once before the schema is created.</summary>
    public virtual IEnumerable<string> SetupStatements => [];

    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Serialises writers where the database cannot do it well itself; disposing leaves.</summary>
    public virtual ValueTask<IDisposable?> EnterWriterAsync(CancellationToken cancellationToken) => ValueTask.FromResult<IDisposable?>(null);

    public abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Takes transaction-scoped locks on the given keys (resource ids, business identifiers), in sorted order.</summary>
    public virtual Task LockAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> keys, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>True for failures that a retry of the whole transaction can cure (deadlock, serialization failure).</summary>
    public virtual bool IsTransient(Exception exception) => false;

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
