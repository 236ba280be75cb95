using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Audit;

/// <summary>The audit trail kept in a resource store's database.</summary>
public static class AuditResourceStoreExtensions
{
    /// <summary>
    /// The audit trail of <paramref name="store"/> (one per store, sharing its database); throws
    /// <see cref="ArgumentException"/> for a store that <c>ResourceStores.Create</c> did not make.
    /// </summary>
    public static IAuditStore Audit(this IResourceStore store) =>
        (store as SqlResourceStore)?.Extension<AuditStore>()
        ?? throw new ArgumentException("The store keeps no audit trail: create it with ResourceStores.Create", nameof(store));
}
