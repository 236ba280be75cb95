using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Conflicts;

/// <summary>The conflicts kept in a resource store's database.</summary>
public static class ConflictResourceStoreExtensions
{
    /// <summary>
    /// The conflicts of <paramref name="store"/> (one per store, sharing its database); throws
    /// <see cref="ArgumentException"/> for a store that <c>ResourceStores.Create</c> did not make.
    /// </summary>
    public static IConflictStore Conflicts(this IResourceStore store) => ConflictStoreOf(store);

    /// <summary>The same, with the members the outbox and pull use.</summary>
    internal static ConflictStore ConflictStoreOf(IResourceStore store) =>
        Find(store) ?? throw new ArgumentException("The store keeps no conflicts: create it with ResourceStores.Create", nameof(store));

    /// <summary>The conflicts of <paramref name="store"/>, or null for a store that keeps none.</summary>
    internal static ConflictStore? Find(IResourceStore store) => (store as SqlResourceStore)?.Extension<ConflictStore>();
}
