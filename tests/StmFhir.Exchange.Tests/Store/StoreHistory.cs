using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Tests;

/// <summary>A resource's whole history in one call, for tests that check a few versions.</summary>
internal static class StoreHistory
{
    public static async Task<IReadOnlyList<StoredResource>> HistoryAsync(this IResourceStore store, string type, string id) =>
        (await store.HistoryAsync(new HistoryQuery(type, id, 1000, 0))).Versions;
}
