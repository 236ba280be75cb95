using System.Globalization;
using StmFhir.Exchange.Store;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Cli.Tests.Commands;

/// <summary><c>stmfhir outbox list|replay</c> on a gateway's PostgreSQL database, named as the gateway names it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class OutboxCommandPostgresTests(PostgresServer server) : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private async Task<(string ConnectionString, long Dead)> SeedAsync()
    {
        var connectionString = await server.NewSchemaAsync();
        var dead = await OutboxCommandTests.SeedAsync(new StorageOptions { Provider = "postgresql", ConnectionString = connectionString });
        return (connectionString, dead);
    }

    [Fact]
    public async Task ListAndReplay_WithProviderAndConnectionString_UseThePostgresOutbox()
    {
        var (connectionString, dead) = await SeedAsync();
        string[] storage = ["--provider", "postgresql", "--connection-string", connectionString];

        var list = await CliRunner.RunAsync(["outbox", "list", "--state", "dead", .. storage]);
        var one = await CliRunner.RunAsync(["outbox", "replay", dead.ToString(CultureInfo.InvariantCulture), .. storage]);
        var all = await CliRunner.RunAsync(["outbox", "replay", "--all-dead", .. storage]);
        var after = await CliRunner.RunAsync(["outbox", "list", .. storage]);

        Assert.Equal(0, list.ExitCode);
        Assert.Contains("# peer: 0 pending, 0 in flight, 1 delivered, 1 dead", list.Output);
        Assert.Contains($"{dead}\tpeer\tdead\t1\t", list.Output);
        Assert.Contains("422\tRejected for the test", list.Output);
        Assert.Equal(0, one.ExitCode);
        Assert.Contains("1 delivery row(s) moved back to pending", one.Output);
        Assert.Equal(0, all.ExitCode);
        Assert.Contains("0 delivery row(s)", all.Output);
        Assert.Contains("# peer: 1 pending, 0 in flight, 1 delivered, 0 dead", after.Output);
    }

    [Fact]
    public async Task List_ReadsTheStorageSectionOfTheGatewaysSettingsFile()
    {
        var (connectionString, dead) = await SeedAsync();
        var settings = _folder.File("appsettings.Production.json", $$"""
            { "Serilog": { "MinimumLevel": "Warning" },
              "Storage": { "Provider": "postgresql", "ConnectionString": "{{connectionString}}" } }
            """);

        var list = await CliRunner.RunAsync("outbox", "list", "--config", settings);

        Assert.Equal(0, list.ExitCode);
        Assert.Contains($"{dead}\tpeer\tdead\t1\t", list.Output);
    }

    [Fact]
    public async Task UnreachableOrIncompletePostgresSettings_AreUsageErrorsWithAMessage()
    {
        var missing = await CliRunner.RunAsync("outbox", "list", "--provider", "postgresql");
        var unreachable = await CliRunner.RunAsync("outbox", "list", "--provider", "postgresql",
            "--connection-string", "Host=127.0.0.1;Port=1;Username=stm;Database=postgres;Timeout=3");

        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("Storage:ConnectionString is required", missing.Error);
        Assert.Equal(2, unreachable.ExitCode);
        Assert.Contains("Cannot use the gateway's postgresql database", unreachable.Error);
    }
}
