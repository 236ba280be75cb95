using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace StmFhir.Benchmarks.Exchange;

/// <summary>
/// Runs the exchange test peer (tests/peer-fhir, see its README) for a benchmark process. Its npm dependencies must be
/// installed (<c>npm ci --prefix tests/peer-fhir</c>).
/// </summary>
internal sealed class PeerProcess : IDisposable
{
    private readonly Process _process;
    private readonly HttpClient _admin;

    private PeerProcess(Process process, Uri baseUrl, Uri adminUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
        _admin = new HttpClient { BaseAddress = adminUrl };
    }

    /// <summary>The FHIR base, with a trailing slash.</summary>
    public Uri BaseUrl { get; }

    public static PeerProcess Start()
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("STMFHIR_NODE") is { Length: > 0 } node ? node : "node")
        {
            WorkingDirectory = Path.Combine(RepoFiles.Root, "tests", "peer-fhir"),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "server.js", "--port", "0", "--exit-on-stdin-close" })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("The peer exited before it was ready");
        using var ready = JsonDocument.Parse(line);
        return new PeerProcess(process,
            new Uri(ready.RootElement.GetProperty("listening").GetString() + "/"),
            new Uri(ready.RootElement.GetProperty("admin").GetString() + "/"));
    }

    public void Configure(string json) =>
        _admin.PostAsync(new Uri("config", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json")).GetAwaiter().GetResult().EnsureSuccessStatusCode();

    /// <summary>Replaces the fault plan (tests/peer-fhir/README.md).</summary>
    public async Task SetFaultsAsync(string planJson)
    {
        using var response = await _admin.PostAsync(new Uri("faults", UriKind.Relative), new StringContent(planJson, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Removes the fault plan.</summary>
    public async Task ClearFaultsAsync()
    {
        using var response = await _admin.DeleteAsync(new Uri("faults", UriKind.Relative));
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The peer's counters (requests by status, faults injected, resources by type).</summary>
    public async Task<JsonDocument> StatsAsync() => JsonDocument.Parse(await _admin.GetStringAsync(new Uri("stats", UriKind.Relative)));

    public void Dispose()
    {
        _admin.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}
