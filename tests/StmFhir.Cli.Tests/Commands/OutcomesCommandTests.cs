using System.Text.Json;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Exchange;
using StmFhir.Exchange.Store;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Cli.Tests.Commands;

/// <summary><c>stmfhir outcomes</c> on a gateway's SQLite data folder holding one patient's three sessions.</summary>
public sealed class OutcomesCommandTests : IDisposable
{
    private const string Mrn = "MRN-CLI-3";
    private readonly TempFolder _folder = new();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    private async Task SeedAsync()
    {
        var store = ResourceStores.Create(new StorageOptions { DataDirectory = _folder.Path }, TimeProvider.System);
        await store.InitializeAsync();
        foreach (var json in OutcomeSessions.Create(Mrn))
        {
            var session = StmSessionReader.Read(json).Session!;
            await store.CommitAsync(TransactionBundles.ToChangeSet(StmBundleMapper.ToBundle(session), "test"));
        }
        await ((IAsyncDisposable)store).DisposeAsync();
    }

    [Fact]
    public async Task APatientByIdentifier_PrintsEachSeriesWithChangesAndWhetherGainsHeld()
    {
        await SeedAsync();

        var (exit, output, error) = await CliRunner.RunAsync("outcomes", $"{OutcomeSessions.MrnSystem}|{Mrn}", "--data", _folder.Path);

        Assert.True(exit == 0, error);
        Assert.Contains(": 3 STM sessions", output);
        Assert.Contains("elbow-flexion-right-active (degrees, normal 0-150 deg)", output);
        Assert.Matches(@"pre\s+3\s+135\s+\+15\s+improved", output);
        Assert.Matches(@"follow-up\s+2\s+3\s+-2\s+improved", output);
        Assert.Contains("pain session 1: pre 6, post 4 (improved), follow-up 5: not held", output);
        Assert.Contains("pain session 2: pre 5, post 3 (improved), follow-up 3: held", output);
        Assert.Contains("Farrar", output);
    }

    [Fact]
    public async Task Json_PrintsTheOperationsParametersForThePatientId()
    {
        await SeedAsync();
        var (_, text, _) = await CliRunner.RunAsync("outcomes", $"{OutcomeSessions.MrnSystem}|{Mrn}", "--json", "--data", _folder.Path);
        using var byIdentifier = JsonDocument.Parse(text);
        var patient = byIdentifier.RootElement.GetProperty("parameter")[0].GetProperty("valueReference").GetProperty("reference").GetString()!;

        var (exit, output, _) = await CliRunner.RunAsync("outcomes", patient["Patient/".Length..], "--json", "--data", _folder.Path);

        Assert.Equal(0, exit);
        using var parameters = JsonDocument.Parse(output);
        Assert.Equal("Parameters", parameters.RootElement.GetProperty("resourceType").GetString());
        Assert.Equal(3, parameters.RootElement.GetProperty("parameter").EnumerateArray().Count(p => p.GetProperty("name").GetString() == "session"));
    }

    [Fact]
    public async Task AnUnknownPatient_ExitsWith1AndSaysSo()
    {
        await SeedAsync();

        var (exit, output, error) = await CliRunner.RunAsync("outcomes", "nobody", "--data", _folder.Path);

        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.Contains("No patient 'nobody'", error);
    }

    [Fact]
    public async Task NoDatabase_ExitsWith2()
    {
        var (exit, _, error) = await CliRunner.RunAsync("outcomes", "p1", "--data", Path.Combine(_folder.Path, "missing"));

        Assert.Equal(2, exit);
        Assert.Contains("No gateway database", error);
    }
}
