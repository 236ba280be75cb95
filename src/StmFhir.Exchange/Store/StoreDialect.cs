using System.Data.Common;

namespace StmFhir.Exchange.Store;

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

    /// <summary>
    /// The sub-select of a claim: the ids of target <c>@target</c>'s due rows (pending and due at <c>@now</c>, or in
    /// flight with an expired lease), oldest first, at most <c>@limit</c>. Each branch reads a range of a covering
    /// index (<c>ix_outbox_delivery_due</c>, <c>ix_outbox_delivery_lease</c>), which no planner can find dearer than a
    /// scan: one query with OR got SQLite to scan the table once ANALYZE had seen few distinct states. The <c>+</c>
    /// keeps the sort from being done by walking the primary key (every delivered row) instead.
    /// </summary>
    public virtual string ClaimDueRows => """
        SELECT outbox_id FROM (
            SELECT outbox_id FROM outbox_delivery WHERE target = @target AND state = 'pending' AND next_attempt_at <= @now
            UNION ALL
            SELECT outbox_id FROM outbox_delivery WHERE target = @target AND state = 'in_flight' AND lease_until <= @now) due
        ORDER BY +outbox_id LIMIT @limit
        """;

    /// <summary>
    /// Run first in the transaction that adds an outbox target and backfills it: it must wait for every transaction that
    /// is writing an outbox row and hold off new ones, so no row commits without the new target's delivery, and it must
    /// serialise two instances adding the same target. Null where writers are serialised anyway (SQLite).
    /// </summary>
    public virtual string? OutboxTargetLock => null;

    /// <summary>Prefixed to a statement to get its plan instead of running it.</summary>
    public abstract string ExplainPrefix { get; }

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
}
