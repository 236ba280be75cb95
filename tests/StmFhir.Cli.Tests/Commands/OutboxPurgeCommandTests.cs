using Hl7.Fhir.Model;
using StmFhir.Exchange;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Store;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Cli.Tests.Commands;

/// <summary>
/// <c>stmfhir outbox list</c> marks a target removed from the configuration as orphaned, and <c>stmfhir outbox purge
/// --target NAME</c> deletes its open rows only, refusing a configured or unknown target; on SQLite and PostgreSQL.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OutboxPurgeCommandTests(PostgresServer server) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    /// <summary>Three rows committed for "peer" and "gone" (one of them delivered to "gone"), then "gone" taken out of the configuration.</summary>
    private static async Task SeedAsync(StorageOptions storage)
    {
        var store = ResourceStores.Create(storage, TimeProvider.System, ["peer", "gone"]);
        await store.InitializeAsync();
        foreach (var id in new[] { "p1", "p2", "p3" })
        {
            await store.CommitAsync(new ChangeSet([new Change(ChangeMethod.Update, new Patient { Id = id })], "test"));
        }
        var outbox = store.Outbox();
        var first = (await outbox.ClaimAsync("gone", 1, DateTimeOffset.UtcNow.AddMinutes(1)))[0];
        await outbox.MarkDeliveredAsync(first, []);
        Assert.Equal(["gone"], await outbox.RemoveTargetsAsync(["peer"]));
        await ((IAsyncDisposable)store).DisposeAsync();
    }

    private static async Task PurgesTheOrphanedTargetOnlyAsync(string[] storage)
    {
        var list = await CliRunner.RunAsync(["outbox", "list", .. storage]);
        var configured = await CliRunner.RunAsync(["outbox", "purge", "--target", "peer", .. storage]);
        var purged = await CliRunner.RunAsync(["outbox", "purge", "--target", "gone", .. storage]);
        var after = await CliRunner.RunAsync(["outbox", "list", .. storage]);
        var missing = await CliRunner.RunAsync(["outbox", "purge", .. storage]);

        Assert.Equal(0, list.ExitCode);
        Assert.Contains("# gone: 2 pending, 0 in flight, 1 delivered, 0 dead, 0 held by a conflict; orphaned: removed from the configuration at ", list.Output);
        Assert.Contains("stmfhir outbox purge --target gone", list.Output);
        Assert.Contains("# peer: 3 pending, 0 in flight, 0 delivered, 0 dead, 0 held by a conflict" + Environment.NewLine, list.Output);
        Assert.Equal(2, configured.ExitCode);
        Assert.Contains("Target 'peer' is not orphaned", configured.Error);
        Assert.Equal(0, purged.ExitCode);
        Assert.Contains("2 open delivery row(s) of target 'gone' deleted", purged.Output);
        Assert.Contains("# gone: 0 pending, 0 in flight, 1 delivered, 0 dead", after.Output);
        Assert.Contains("# peer: 3 pending", after.Output);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--target", missing.Error);
    }

    [Fact]
    public async Task OnSqlite_ListMarksTheRemovedTargetOrphaned_AndPurgeDeletesOnlyItsOpenRows()
    {
        await SeedAsync(new StorageOptions { DataDirectory = _folder.Path });

        await PurgesTheOrphanedTargetOnlyAsync(["--data", _folder.Path]);
    }

    [Fact]
    public async Task OnPostgres_ListMarksTheRemovedTargetOrphaned_AndPurgeDeletesOnlyItsOpenRows()
    {
        var connectionString = await server.NewSchemaAsync();
        await SeedAsync(new StorageOptions { Provider = "postgresql", ConnectionString = connectionString });

        await PurgesTheOrphanedTargetOnlyAsync(["--provider", "postgresql", "--connection-string", connectionString]);
    }
}
