using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outbox;

/// <summary>The outbox kept in a resource store's database.</summary>
public static class OutboxResourceStoreExtensions
{
    /// <summary>
    /// The outbox of <paramref name="store"/> (one per store, sharing its database); throws
    /// <see cref="ArgumentException"/> for a store that <c>ResourceStores.Create</c> did not make.
    /// </summary>
    public static IOutboxStore Outbox(this IResourceStore store) =>
        (store as SqlResourceStore)?.Extension<OutboxStore>()
        ?? throw new ArgumentException("The store keeps no outbox: create it with ResourceStores.Create", nameof(store));
}
