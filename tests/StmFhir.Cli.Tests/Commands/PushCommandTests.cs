using System.Net;
using System.Net.Sockets;
using StmFhir.Exchange.Tests.Peer;

namespace StmFhir.Cli.Tests.Commands;

/// <summary><c>stmfhir push</c> against the real FHIR peer: exit codes, the result table, the progress bar.</summary>
[Collection(PeerCollection.Name)]
public sealed class PushCommandTests(PeerFhirServer peer) : IAsyncLifetime
{
    // Samples whose screening has no prediction: Medplum refuses predictions without a probability (see the exchange tests).
    private static readonly string Session = CliRunner.Samples("sessions", "03-achilles-tendinitis-manual.json");
    private static readonly string Bundle = CliRunner.Samples("bundles", "06-carpal-tunnel-syndrome-manual.json");

    public Task InitializeAsync() => peer.ResetAsync();

    public Task DisposeAsync() => peer.ResetAsync();

    [Fact]
    public async Task SessionAndBundleFilesArriveExitZeroAndTheTableSaysWhatHappened()
    {
        var (exitCode, output, error) = await CliRunner.RunAsync("push", Session, Bundle, "--server", peer.BaseUrl.ToString());

        Assert.Equal(0, exitCode);
        Assert.Matches(@"│ 03-achilles-tendinitis-manual\.json +│ session │ arrived │ 11 created, 0 updated, 0 unchanged", output);
        Assert.Matches(@"│ 06-carpal-tunnel-syndrome-manual\.json +│ bundle +│ arrived │ 10 created, 0 updated, 1 unchanged", output);
        Assert.Contains("2 of 2 file(s) arrived.", output, StringComparison.Ordinal);
        Assert.Contains("Pushing 2 file(s)", error, StringComparison.Ordinal);
        Assert.Contains("[2/2] 06-carpal-tunnel-syndrome-manual.json: arrived", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PushingTheSameFileAgainReportsEveryResourceUnchanged()
    {
        await CliRunner.RunAsync("push", Session, "--server", peer.BaseUrl.ToString());

        var (exitCode, output, _) = await CliRunner.RunAsync("push", Session, "--server", peer.BaseUrl.ToString(), "--token", "abc.def-123");

        Assert.Equal(0, exitCode);
        Assert.Contains("0 created, 0 updated, 11 unchanged", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidFileExitsOneWhileTheOtherFilesStillArrive()
    {
        using var temp = new TempFolder();
        var invalid = temp.File("broken.json", """{"sourceSystem": 42}""");

        var (exitCode, output, error) = await CliRunner.RunAsync("push", invalid, Session, "--server", peer.BaseUrl.ToString());

        Assert.Equal(1, exitCode);
        Assert.Contains("broken.json", output, StringComparison.Ordinal);
        Assert.Contains("invalid", output, StringComparison.Ordinal);
        Assert.Contains("1 of 2 file(s) arrived.", output, StringComparison.Ordinal);
        Assert.Contains("broken.json: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileTheServerRejectsExitsOneWithTheServersReason()
    {
        // The session's patient: its conditional create fails inside the batch that resolves the people.
        await peer.SetFaultsAsync("""{"rejects":[{"identifier":"MRN-0060442","status":422,"text":"Rejected for the test"}]}""");

        var (exitCode, output, _) = await CliRunner.RunAsync("push", Session, "--server", peer.BaseUrl.ToString());

        Assert.Equal(1, exitCode);
        Assert.Contains("rejected", output, StringComparison.Ordinal);
        Assert.Contains("The target refused the Patient of Bundle.entry[0] with 422: Rejected for the test", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingFileExitsTwo()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("push", "/nonexistent/session.json", Session, "--server", peer.BaseUrl.ToString());

        Assert.Equal(2, exitCode);
        Assert.Contains("unreadable", output, StringComparison.Ordinal);
        Assert.Contains("1 of 2 file(s) arrived.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableServerExitsTwoAfterItsRetries()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var (exitCode, output, _) = await CliRunner.RunAsync("push", Session, "--server", $"http://127.0.0.1:{port}/fhir", "--retries", "1");

        Assert.Equal(2, exitCode);
        Assert.Contains("not delivered", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("push", "--server", "http://127.0.0.1:1/fhir")]
    [InlineData("push", "x.json")]
    [InlineData("push", "x.json", "--server", "not a url")]
    [InlineData("push", "x.json", "--server", "http://127.0.0.1:1/fhir", "--token", "has spaces in it")]
    public async Task UsageErrorsExitTwo(params string[] args)
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(args);

        Assert.Equal(2, exitCode);
        Assert.NotEmpty(error);
    }
}
