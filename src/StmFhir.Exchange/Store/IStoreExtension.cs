using System.Data.Common;

namespace StmFhir.Exchange.Store;

/// <summary>
/// The extension point of the store: a concept that keeps its own tables in the store's database and may write rows in
/// the transaction of every commit. The outbox uses it so that a change is pushed if and only if it was stored (its row
/// commits with the data, or not at all); the pull state uses it for its tables only. Extensions are given to the store
/// when it is created (<c>ResourceStores.cs</c>), so the store itself knows none of them.
/// </summary>
internal interface IStoreExtension
{
    /// <summary>
    /// The extension's <c>CREATE ... IF NOT EXISTS</c> statements, run by <see cref="IResourceStore.InitializeAsync"/>
    /// after the store's own, in the same transaction.
    /// </summary>
    IEnumerable<string> Schema(StoreDialect dialect);

    /// <summary>Runs once the schema exists, on every <see cref="IResourceStore.InitializeAsync"/>.</summary>
    Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Writes the extension's rows for a change set that wrote new versions, inside the commit's transaction: a failure
    /// undoes the whole commit. Not called when the change set wrote nothing. Returns the id of the row written, if any,
    /// which <see cref="CommitResult.OutboxId"/> reports.
    /// </summary>
    Task<long?> WriteWithCommitAsync(CommitContext commit, CancellationToken cancellationToken) => Task.FromResult<long?>(null);
}

/// <summary>A commit that wrote new versions, seen from inside its transaction.</summary>
/// <param name="Connection">The connection the transaction runs on.</param>
/// <param name="Transaction">The commit's transaction.</param>
/// <param name="Now">The commit's time, Unix milliseconds (the versions' <c>last_updated</c>).</param>
/// <param name="Changes">The change set.</param>
/// <param name="Written">The versions written, in change set order.</param>
internal sealed record CommitContext(DbConnection Connection, DbTransaction Transaction, long Now, ChangeSet Changes, IReadOnlyList<StoredResource> Written);
