using StmFhir.Exchange.Store;
using StmFhir.Tests.Shared;

namespace StmFhir.Exchange.Tests.Store;

/// <summary>The shared store behaviour on a real PostgreSQL 15, a fresh schema per test.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresResourceStoreTests(PostgresServer server) : ResourceStoreBehaviour
{
    private string? _connectionString;

    private protected override async Task<IResourceStore> CreateStoreAsync(Action<StorageOptions>? configure = null)
    {
        _connectionString ??= await server.NewSchemaAsync();
        var options = new StorageOptions { Provider = "postgresql", ConnectionString = _connectionString };
        configure?.Invoke(options);
        return ResourceStores.Create(options, TimeProvider.System);
    }

    private protected override async Task<System.Data.Common.DbConnection> ConnectAsync()
    {
        var connection = new Npgsql.NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        return connection;
    }

    private protected override bool ScansWithoutIndex(string plan) => plan.Contains("Seq Scan", StringComparison.Ordinal);

    [Fact]
    public async Task Kind_IsPostgresql()
    {
        Assert.Equal("postgresql", Store.Kind);
        Assert.True(await Store.IsReachableAsync());
    }

    [Fact]
    public async Task Initialize_ByManyGatewaysAtOnceOnANewDatabase_CreatesTheSchemaOnceWithoutFailing()
    {
        // Each round: eight stores (as eight gateways starting together) set up one new schema at the same moment.
        for (var round = 0; round < 5; round++)
        {
            var connectionString = await server.NewSchemaAsync();
            var stores = Enumerable.Range(0, 8)
                .Select(_ => ResourceStores.Create(new StorageOptions { Provider = "postgresql", ConnectionString = connectionString }, TimeProvider.System))
                .ToList();
            try
            {
                await Task.WhenAll(stores.Select(s => Task.Run(() => s.InitializeAsync())));

                Assert.All(await Task.WhenAll(stores.Select(s => s.IsReachableAsync())), Assert.True);
            }
            finally
            {
                foreach (var store in stores)
                {
                    await ((IAsyncDisposable)store).DisposeAsync();
                }
            }
        }
    }
}
