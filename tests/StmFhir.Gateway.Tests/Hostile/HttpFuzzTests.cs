using StmFhir.Tests.Shared;
using StmFhir.Tests.Shared.Fuzz;
using Xunit.Abstractions;

namespace StmFhir.Gateway.Tests.Hostile;

/// <summary>
/// The fuzz cases through the real HTTP stack: the built gateway as its own process (Kestrel on 127.0.0.1, SQLite),
/// every case to every endpoint it fits with a read-write key. Fails on any 5xx, a 4xx without an OperationOutcome, a
/// broken connection or dead process, a request over 10 s (the gateway's validation budget set to 5 s), or a peak resident memory over FuzzSettings.MaxRssBytes (1.5 GB; the goal is 1 GB); the summary names each
/// failure's endpoint, signature, case id (replay with <c>STMFHIR_FUZZ_CASE=seed:index</c>) and minimized input.
/// </summary>
/// <remarks>
/// Long run: <c>STMFHIR_FUZZ_CASES=100000 dotnet test tests/StmFhir.Gateway.Tests -c Release --filter FullyQualifiedName~HttpFuzzTests</c>
/// (other knobs in <see cref="FuzzSettings"/>), or <c>dotnet run -c Release --project tests/StmFhir.Benchmarks -- fuzz --cases N</c>.
/// </remarks>
public sealed class HttpFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Cases in CI: about two minutes on a 2-core machine once the gateway refuses them in milliseconds.</summary>
    private const int CiCases = 400;

    private const string Key = "fuzz-read-write-key-0001";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "stmfhir-fuzz-gw-" + Guid.NewGuid().ToString("N"));
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = new GatewayProcess(GatewayProcess.BuiltGatewayDll(), _folder, new Dictionary<string, string>
        {
            ["STMFHIR_DATA_DIR"] = Path.Combine(_folder, "data"),
            ["Authentication__ApiKeys__0__Name"] = "fuzz",
            ["Authentication__ApiKeys__0__Key"] = Key,
            ["Fhir__ValidationWarmUp"] = "00:00:00",
            // Well under the 10 s request budget, so a validation the gateway stops still answers in time.
            [FuzzSettings.ValidationTimeBudgetVariable] = FuzzSettings.ValidationTimeBudget,
            // No outbound exchange: the fuzz is about what the gateway takes in.
            ["Serilog__MinimumLevel__Default"] = "Information",
        });
        await _gateway.StartAsync(TimeSpan.FromSeconds(120));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A log file still closing; left for the OS's temp clean-up.
        }
    }

    [Fact]
    public async Task BoundedRun_NoCaseGivesA5xxABrokenConnectionATimeoutOrPeakMemoryOverTheCeiling()
    {
        var settings = FuzzSettings.FromEnvironment(CiCases);
        var runner = new HttpFuzzRunner(_gateway, Key, settings, output.WriteLine);

        var findings = await runner.RunAsync();

        var summary = findings.Summary();
        output.WriteLine(summary);
        // Both judged before either fails the test, so a run with failures still says whether memory stayed bounded.
        var overMemory = findings.PeakRssBytes > settings.MaxRssBytes
            ? $"peak RSS {findings.PeakRssBytes / (1024 * 1024)} MB is over {settings.MaxRssBytes / (1024 * 1024)} MB\n" : "";
        Assert.True(findings.PeakRssBytes > 0, $"the gateway's peak RSS was not measured\n{summary}");
        Assert.True(findings.Failures.Count == 0 && overMemory.Length == 0, overMemory + summary);
    }
}
