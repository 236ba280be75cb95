using Hl7.Fhir.Model;
using Microsoft.Data.Sqlite;
using StmFhir.Exchange;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Store;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Cli.Tests.Commands;

/// <summary><c>stmfhir outbox conflicts|resolve</c> on a gateway's SQLite data folder with a delivery held by a conflict.</summary>
public sealed class OutboxConflictCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    /// <summary>
    /// One outbox row for target "peer", held by conflict 1 as the dispatcher leaves it after a 412 (the gateway's own
    /// tables, written as its dispatcher writes them: the CLI reads nothing else).
    /// </summary>
    private async Task SeedAsync()
    {
        var storage = new StorageOptions { DataDirectory = _folder.Path };
        var store = ResourceStores.Create(storage, TimeProvider.System);
        await store.InitializeAsync();
        await store.CommitAsync(new ChangeSet([new Change(ChangeMethod.Update, new Procedure { Id = "proc-1", Status = EventStatus.Completed, Subject = new ResourceReference("Patient/p1") })], "test"));
        var claim = Assert.Single(await store.Outbox().ClaimAsync("peer", 10, DateTimeOffset.UtcNow.AddMinutes(1)));
        await ((IAsyncDisposable)store).DisposeAsync();
        await using var connection = new SqliteConnection($"Data Source={storage.SqlitePath}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $$"""
            UPDATE outbox_delivery SET state = 'conflict', claim = NULL, lease_until = NULL, http_status = 412, error = 'changed at the target' WHERE outbox_id = {{claim.OutboxId}};
            INSERT INTO exchange_conflict (target, detected_by, detected_at, state, procedure_id, target_procedure_id, outbox_id, resources)
            VALUES ('peer', 'push', 0, 'open', 'proc-1', 'proc-1', {{claim.OutboxId}},
                '[{"resourceType":"Procedure","id":"proc-1","localVersion":1,"targetId":"proc-1","targetVersion":"v-theirs","syncedTargetVersion":"v-agreed"}]');
            INSERT INTO outbox_hold (outbox_id, target, conflict_id) VALUES ({{claim.OutboxId}}, 'peer', 1);
            """;
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Conflicts_ListBothSidesIdsAndVersions_AndListCountsTheHeldRow()
    {
        await SeedAsync();

        var conflicts = await CliRunner.RunAsync("outbox", "conflicts", "--data", _folder.Path);
        var list = await CliRunner.RunAsync("outbox", "list", "--data", _folder.Path);

        Assert.Equal(0, conflicts.ExitCode);
        Assert.Contains("## conflict 1: target peer, found by push", conflicts.Output);
        Assert.Contains("Procedure\tproc-1\t1 ()\tproc-1\tv-theirs (v-agreed)", conflicts.Output);
        Assert.Contains("# peer: 0 pending, 0 in flight, 0 delivered, 0 dead, 1 held by a conflict", list.Output);
        Assert.Contains("1 unresolved conflict(s)", list.Output);
    }

    [Fact]
    public async Task ResolveOurs_ReleasesTheHeldRowOnce_AndAgainOrAnUnknownConflictIsAnError()
    {
        await SeedAsync();

        var ours = await CliRunner.RunAsync("outbox", "resolve", "1", "--ours", "--data", _folder.Path);
        var again = await CliRunner.RunAsync("outbox", "resolve", "1", "--theirs", "--data", _folder.Path);
        var unknown = await CliRunner.RunAsync("outbox", "resolve", "7", "--ours", "--data", _folder.Path);
        var neither = await CliRunner.RunAsync("outbox", "resolve", "1", "--data", _folder.Path);
        var list = await CliRunner.RunAsync("outbox", "list", "--data", _folder.Path);
        var all = await CliRunner.RunAsync("outbox", "conflicts", "--all", "--data", _folder.Path);

        Assert.Equal(0, ours.ExitCode);
        Assert.Contains("1 held delivery row(s) back to pending", ours.Output);
        Assert.Equal((2, 2, 2), (again.ExitCode, unknown.ExitCode, neither.ExitCode));
        Assert.Contains("decided already", again.Error);
        Assert.Contains("does not exist", unknown.Error);
        Assert.Contains("# peer: 1 pending, 0 in flight, 0 delivered, 0 dead, 0 held by a conflict", list.Output);
        Assert.Contains("resolved, ours won", all.Output);
    }

    [Fact]
    public async Task ResolveTheirs_MarksTheHeldRowDeliveredUnsent_AndWaitsForThePull()
    {
        await SeedAsync();

        var theirs = await CliRunner.RunAsync("outbox", "resolve", "1", "--theirs", "--data", _folder.Path);
        var list = await CliRunner.RunAsync("outbox", "list", "--data", _folder.Path);
        var open = await CliRunner.RunAsync("outbox", "conflicts", "--data", _folder.Path);

        Assert.Equal(0, theirs.ExitCode);
        Assert.Contains("the next pull of the target stores its version here", theirs.Output);
        Assert.Contains("# peer: 0 pending, 0 in flight, 1 delivered, 0 dead, 0 held by a conflict", list.Output);
        Assert.Contains("theirs, theirs won", open.Output);
    }
}
