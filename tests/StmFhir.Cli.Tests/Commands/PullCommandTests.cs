using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Exchange.Tests.Peer;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Cli.Tests.Commands;

/// <summary><c>stmfhir pull</c> against the real FHIR peer, with targets from a configuration file as the gateway reads them.</summary>
[Collection(PeerCollection.Name)]
public sealed class PullCommandTests(PeerFhirServer peer) : IAsyncLifetime, IDisposable
{
    // A sample whose screening has no prediction: Medplum refuses predictions without a probability.
    private static readonly string Session = CliRunner.Samples("sessions", "03-achilles-tendinitis-manual.json");

    private readonly TempFolder _temp = new();

    public Task InitializeAsync() => peer.ResetAsync();

    public Task DisposeAsync() => peer.ResetAsync();

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    private string Config(Uri baseUrl) => _temp.File("appsettings.json", new JsonObject
    {
        ["Exchange"] = new JsonObject
        {
            ["Targets"] = new JsonArray(new JsonObject
            {
                ["Name"] = "hospital",
                ["BaseUrl"] = baseUrl.ToString(),
                ["Resilience"] = new JsonObject { ["MaxRetryAttempts"] = 0 },
            }),
        },
    }.ToJsonString());

    private Task<(int ExitCode, string Output, string Error)> PullAsync(params string[] more) =>
        CliRunner.RunAsync(["pull", "--server", "hospital", "--config", Config(peer.BaseUrl), "--data", Path.Combine(_temp.Path, "data"), .. more]);

    [Fact]
    public async Task PullingStoresTheSessionsExitsZeroAndPullingAgainStoresNothingNew()
    {
        Assert.Equal(0, (await CliRunner.RunAsync("push", Session, "--server", peer.BaseUrl.ToString())).ExitCode);

        var (exitCode, output, error) = await PullAsync();

        Assert.True(exitCode == 0, output + error);
        Assert.Contains("Pulled from hospital everything: 3 page(s)", output, StringComparison.Ordinal); // one per scan: Procedure, Observation, RiskAssessment
        Assert.Contains("stored new  1", output, StringComparison.Ordinal);
        Assert.Contains("failed      0", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_temp.Path, "data", "stmfhir.db")));

        (exitCode, output, _) = await PullAsync();

        Assert.Equal(0, exitCode);
        Assert.Matches(@"Pulled from hospital since 20\d\d-", output);
        Assert.Contains("stored new  0", output, StringComparison.Ordinal);
        Assert.Contains("unchanged   1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AProcedureThatCannotBeMappedBackIsListedAndExitsOne()
    {
        var read = StmSessionReader.Read(File.ReadAllBytes(Session));
        var bundle = StmBundleMapper.ToBundle(read.Session!);
        bundle.Entry.Select(e => e.Resource).OfType<Observation>().First().Value = null;
        var broken = _temp.File("broken.json", FhirJson.Serialize(bundle));
        Assert.Equal(0, (await CliRunner.RunAsync("push", broken, "--server", peer.BaseUrl.ToString())).ExitCode);

        var (exitCode, output, _) = await PullAsync("--count", "5");

        Assert.Equal(1, exitCode);
        Assert.Contains("failed      1", output, StringComparison.Ordinal);
        Assert.Matches(@"not stored Procedure/[0-9a-f-]+/_history/[0-9a-f-]+: STM-PULL-001 at Observation\('[0-9a-f-]+'\)\.value", output);
    }

    [Fact]
    public async Task ASessionBreakingAClinicalRuleIsNotStoredListedWithItsCodeAndClearedOnceCorrected()
    {
        // Completed although the screening said contraindicated: the session format allows it, the clinical rules do not.
        var read = StmSessionReader.Read(File.ReadAllBytes(Session));
        var contraindicated = read.Session! with { Screening = read.Session!.Screening! with { Result = ScreeningResult.Contraindicated } };
        var invalid = _temp.File("contraindicated.json", FhirJson.Serialize(StmBundleMapper.ToBundle(contraindicated)));
        Assert.Equal(0, (await CliRunner.RunAsync("push", invalid, "--server", peer.BaseUrl.ToString())).ExitCode);

        var (exitCode, output, _) = await PullAsync();

        Assert.Equal(1, exitCode);
        Assert.Contains("stored new  0", output, StringComparison.Ordinal);
        Assert.Contains("failed      1 (not stored)", output, StringComparison.Ordinal);
        var listed = Assert.Single(output.Split('\n'), l => l.StartsWith("not stored Procedure/", StringComparison.Ordinal));
        Assert.Matches(@"^not stored Procedure/[0-9a-f-]+/_history/[0-9a-f-]+: (.*; )?STM-CLIN-001 at Bundle\.entry\[\d+\]\.resource\.status \(\$\.status\)", listed);
        Assert.DoesNotContain(read.Session.Patient.Name.Family!, output, StringComparison.Ordinal);

        // Corrected at the target (the same ids, the screening cleared): stored, and no longer listed.
        Assert.Equal(0, (await CliRunner.RunAsync("push", Session, "--server", peer.BaseUrl.ToString())).ExitCode);
        (exitCode, output, _) = await PullAsync();

        Assert.Equal(0, exitCode);
        Assert.Contains("stored new  1", output, StringComparison.Ordinal);
        Assert.Matches(@"cleared Procedure/[0-9a-f-]+: stored now", output);
        Assert.DoesNotContain("not stored Procedure/", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownServerNameExitsTwoAndNamesTheConfiguredOnes()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("pull", "--server", "elsewhere", "--config", Config(peer.BaseUrl), "--data", _temp.Path);

        Assert.Equal(2, exitCode);
        Assert.Contains("no target named 'elsewhere'; configured targets: hospital", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnreachableServerExitsTwo()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var (exitCode, _, error) = await CliRunner.RunAsync(
            "pull", "--server", "hospital", "--config", Config(new Uri($"http://127.0.0.1:{port}/fhir")), "--data", _temp.Path);

        Assert.Equal(2, exitCode);
        Assert.Contains("stopped early", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pull")]
    [InlineData("pull", "--server", "hospital", "--since", "yesterday")]
    [InlineData("pull", "--server", "hospital", "--count", "0")]
    [InlineData("pull", "--server", "hospital", "--config", "/nonexistent/appsettings.json")]
    public async Task UsageErrorsExitTwo(params string[] args)
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(args);

        Assert.Equal(2, exitCode);
        Assert.NotEmpty(error);
    }
}
