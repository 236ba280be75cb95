using Hl7.Fhir.Model;
using StmFhir.Exchange;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Store;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Cli.Tests.Commands;

/// <summary><c>stmfhir outbox list|replay</c> on a gateway's SQLite data folder.</summary>
public sealed class OutboxCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    private Task<long> SeedAsync() => SeedAsync(new StorageOptions { DataDirectory = _folder.Path });

    /// <summary>Two outbox rows for target "peer": one delivered, one dead-lettered; the dead row's id.</summary>
    internal static async Task<long> SeedAsync(StorageOptions storage)
    {
        var store = ResourceStores.Create(storage, TimeProvider.System);
        await store.InitializeAsync();
        foreach (var id in new[] { "p1", "p2" })
        {
            await store.CommitAsync(new ChangeSet([new Change(ChangeMethod.Update, new Patient { Id = id, Name = [new HumanName { Family = id }] })], "test"));
        }
        var outbox = store.Outbox();
        var claims = await outbox.ClaimAsync("peer", 10, DateTimeOffset.UtcNow.AddMinutes(1));
        await outbox.MarkDeliveredAsync(claims[0], []);
        await outbox.DeadLetterAsync(claims[1], "Rejected for the test", 422, null);
        await ((IAsyncDisposable)store).DisposeAsync();
        return claims[1].OutboxId;
    }

    [Fact]
    public async Task List_ShowsCountsAndRows_FilteredByState()
    {
        var dead = await SeedAsync();

        var (exit, output, _) = await CliRunner.RunAsync("outbox", "list", "--state", "dead", "--data", _folder.Path);

        Assert.Equal(0, exit);
        Assert.Contains("# peer: 0 pending, 0 in flight, 1 delivered, 1 dead", output);
        Assert.Contains($"{dead}\tpeer\tdead\t1\t", output);
        Assert.Contains("422\tRejected for the test", output);
        Assert.DoesNotContain("\tdelivered\t", output);
    }

    [Fact]
    public async Task Replay_OneRowThenAllDead_MovesDeadRowsBackToPending()
    {
        var dead = await SeedAsync();

        var one = await CliRunner.RunAsync("outbox", "replay", dead.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", _folder.Path);
        var again = await CliRunner.RunAsync("outbox", "replay", dead.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data", _folder.Path);
        var all = await CliRunner.RunAsync("outbox", "replay", "--all-dead", "--data", _folder.Path);
        var list = await CliRunner.RunAsync("outbox", "list", "--data", _folder.Path);

        Assert.Equal(0, one.ExitCode);
        Assert.Contains("1 delivery row(s) moved back to pending", one.Output);
        Assert.Equal(2, again.ExitCode);
        Assert.Equal(0, all.ExitCode);
        Assert.Contains("0 delivery row(s)", all.Output);
        Assert.Contains("# peer: 1 pending, 0 in flight, 1 delivered, 0 dead", list.Output);
    }

    [Fact]
    public async Task Show_PrintsEachTargetsStateAndThePerResourceResults_AndAnUnknownIdIsAnError()
    {
        var store = ResourceStores.Create(new StorageOptions { DataDirectory = _folder.Path }, TimeProvider.System, ["peer", "registry"]);
        await store.InitializeAsync();
        var committed = await store.CommitAsync(new ChangeSet(
            [new Change(ChangeMethod.Update, new Patient { Id = "show-1", Name = [new HumanName { Family = "Secretname" }] })], "stm-session"));
        var outbox = store.Outbox();
        var claim = Assert.Single(await outbox.ClaimAsync("peer", 10, DateTimeOffset.UtcNow.AddMinutes(1)));
        await outbox.MarkDeliveredAsync(claim, [new("Patient", "urn:uuid:0b7e", "peer-42", "2", "created")]);
        var refused = Assert.Single(await outbox.ClaimAsync("registry", 10, DateTimeOffset.UtcNow.AddMinutes(1)));
        await outbox.DeadLetterAsync(refused, "Rejected for the test", 422, null);
        await ((IAsyncDisposable)store).DisposeAsync();
        var id = committed.OutboxId!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (exit, output, _) = await CliRunner.RunAsync("outbox", "show", id, "--data", _folder.Path);
        var unknown = await CliRunner.RunAsync("outbox", "show", "987654", "--data", _folder.Path);

        Assert.Equal(0, exit);
        Assert.Contains($"# outbox row {id}: source stm-session", output);
        Assert.Contains("Patient/show-1/_history/1", output);
        Assert.Contains("## peer: delivered, 1 attempt(s)", output);
        Assert.Contains("Patient\turn:uuid:0b7e\tPatient/peer-42\t2\tcreated", output);
        Assert.Contains("## registry: dead, 1 attempt(s)", output);
        Assert.Contains("last error: HTTP 422: Rejected for the test", output);
        Assert.DoesNotContain("Secretname", output);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("Outbox row 987654 does not exist", unknown.Error);
    }

    [Fact]
    public async Task Replay_WithoutIdOrAllDead_AndMissingDatabase_AreUsageErrors()
    {
        var usage = await CliRunner.RunAsync("outbox", "replay", "--data", _folder.Path);
        var missing = await CliRunner.RunAsync("outbox", "list", "--data", Path.Combine(_folder.Path, "nowhere"));

        Assert.Equal(2, usage.ExitCode);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("No gateway database", missing.Error);
    }
}
