using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Pull;

/// <summary>The pull state kept in a resource store's database.</summary>
public static class PullResourceStoreExtensions
{
    /// <summary>
    /// The pull state of <paramref name="store"/> (one per store, sharing its database); throws
    /// <see cref="ArgumentException"/> for a store that <c>ResourceStores.Create</c> did not make.
    /// </summary>
    public static IPullStateStore PullState(this IResourceStore store) =>
        (store as SqlResourceStore)?.Extension<PullStateStore>()
        ?? throw new ArgumentException("The store keeps no pull state: create it with ResourceStores.Create", nameof(store));
}
