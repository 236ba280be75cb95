using StmFhir.Exchange.Storage;

namespace StmFhir.Exchange.Tests.Storage;

/// <summary>The shared store behaviour on a real SQLite file in a fresh temp folder per test.</summary>
public sealed class SqliteResourceStoreTests : ResourceStoreBehaviour, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "stmfhir-store-" + Guid.NewGuid().ToString("N"));

    private protected override Task<IResourceStore> CreateStoreAsync() =>
        Task.FromResult(ResourceStores.Create(new StorageOptions { DataDirectory = _folder }, TimeProvider.System));

    [Fact]
    public async Task Create_MakesTheDataFolderAndFile()
    {
        Assert.True(File.Exists(Path.Combine(_folder, "stmfhir.db")));
        Assert.Equal("sqlite", Store.Kind);
        Assert.True(await Store.IsReachableAsync());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
