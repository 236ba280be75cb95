using StmFhir.Exchange.Storage;
using StmFhir.Tests.Shared;

namespace StmFhir.Exchange.Tests.Storage;

/// <summary>The shared store behaviour on a real PostgreSQL 15, a fresh schema per test.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresResourceStoreTests(PostgresServer server) : ResourceStoreBehaviour
{
    private protected override async Task<IResourceStore> CreateStoreAsync()
    {
        var connectionString = await server.NewSchemaAsync();
        return ResourceStores.Create(new StorageOptions { Provider = "postgresql", ConnectionString = connectionString }, TimeProvider.System);
    }

    [Fact]
    public async Task Kind_IsPostgresql()
    {
        Assert.Equal("postgresql", Store.Kind);
        Assert.True(await Store.IsReachableAsync());
    }
}
