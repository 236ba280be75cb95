namespace StmFhir.Exchange.Store;

/// <summary>
/// Keeps FHIR resources with their full version history and a search index, and lets the concepts beside it write their
/// rows in the same database transaction as every change (the outbox row that issues its push; see
/// <c>IStoreExtension</c>). Implementations (SQLite, PostgreSQL) behave the same; the shared behaviour tests in
/// StmFhir.Exchange.Tests run against each.
/// </summary>
/// <remarks>Implementations are thread-safe: one instance serves a whole process.</remarks>
public interface IResourceStore
{
    /// <summary>The database kind, e.g. <c>sqlite</c> or <c>postgresql</c>, for health reports.</summary>
    string Kind { get; }

    /// <summary>Creates the schema when it does not exist yet. Safe to call more than once.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>True when the database answers a trivial query.</summary>
    Task<bool> IsReachableAsync(CancellationToken cancellationToken = default);

    /// <summary>The current version of a resource, or null when there is none.</summary>
    Task<StoredResource?> ReadAsync(string type, string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// The current versions of several resources, in the order asked (null where there is none): one database round
    /// trip per resource at most, on one connection.
    /// </summary>
    async Task<IReadOnlyList<StoredResource?>> ReadAllAsync(IReadOnlyList<(string Type, string Id)> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var found = new List<StoredResource?>(keys.Count);
        foreach (var (type, id) in keys)
        {
            found.Add(await ReadAsync(type, id, cancellationToken).ConfigureAwait(false));
        }
        return found;
    }

    /// <summary>One version of a resource, or null when there is no such version.</summary>
    Task<StoredResource?> ReadVersionAsync(string type, string id, int version, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of a resource's versions, newest first, within the query's byte budget; only that page is read.
    /// </summary>
    Task<HistoryResult> HistoryAsync(HistoryQuery query, CancellationToken cancellationToken = default);

    /// <summary>One page of the versions of every resource of some types, newest first, within the query's byte budget.</summary>
    Task<HistoryResult> ChangesAsync(ChangesQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// The current resources matching a query, oldest change first, one page of them within the query's byte budget;
    /// only that page is read.
    /// </summary>
    Task<SearchResult> SearchAsync(SearchQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every current resource of <paramref name="type"/> whose reference search parameter <paramref name="parameter"/>
    /// points at <paramref name="target"/> (e.g. all Observations of one patient), oldest change first, read from the
    /// search index outwards: its cost follows the number of matches, not the number of resources of the type. Unpaged:
    /// for bounded sets such as one patient's sessions.
    /// </summary>
    Task<IReadOnlyList<StoredResource>> ReferencingAsync(string type, string parameter, ReferenceValue target, CancellationToken cancellationToken = default);

    /// <summary>
    /// Business identifiers (system and value) that more than one current Patient or Practitioner carries, at most
    /// <paramref name="limit"/> of them; each with the resources' ids, the one intake's conditional create uses first.
    /// </summary>
    Task<IReadOnlyList<DuplicateIdentifier>> DuplicateIdentifiersAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies every change, or none: resolves conditional creates, rewrites references between the changes, writes a
    /// new version only where the content differs from the current one, and, when anything changed, lets the store's
    /// extensions write their rows in the same transaction (the outbox its row).
    /// </summary>
    /// <exception cref="StoreRejectedException">A precondition failed or a change is not acceptable; nothing was written.</exception>
    Task<CommitResult> CommitAsync(ChangeSet changes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a resource, versioned: its history gains a version without content (<see cref="StoredResource.IsDeleted"/>),
    /// reads and searches no longer find it, and, as with every change, the store's extensions write their rows in the
    /// same transaction (the outbox a row that sends the delete to the targets). Deleting a deleted or unknown resource
    /// writes nothing. <paramref name="source"/> is recorded on the outbox row, as <see cref="ChangeSet.Source"/> is.
    /// </summary>
    /// <exception cref="StoreRejectedException">
    /// <see cref="StoreRejection.Conflict"/>: current resources refer to it (named in the message); nothing was written.
    /// </exception>
    Task<DeleteResult> DeleteAsync(string type, string id, string source, CancellationToken cancellationToken = default);
}
