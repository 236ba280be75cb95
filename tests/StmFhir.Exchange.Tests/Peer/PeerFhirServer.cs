using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace StmFhir.Exchange.Tests.Peer;

/// <summary>
/// The exchange tests' third-party FHIR server: starts <c>tests/peer-fhir/server.js</c> (@medplum/fhir-router over an
/// in-memory store, see its README) on a free loopback port, and stops it, with its whole process tree, on dispose.
/// Share one per test collection (<see cref="PeerCollection"/>); tests keep apart by using their own identifiers,
/// or call <see cref="ResetAsync"/>.
/// </summary>
/// <remarks>
/// Node 20 must be on PATH (or named by <c>STMFHIR_NODE</c>). The peer's npm dependencies are installed with
/// <c>npm ci</c> by .ci/run; if they are missing or older than package-lock.json, the first fixture installs them.
/// </remarks>
public sealed class PeerFhirServer : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static bool s_installed;

    private readonly StringBuilder _stderr = new();
    private Process? _process;
    private HttpClient? _admin;

    /// <summary>The peer's folder, <c>tests/peer-fhir</c>.</summary>
    public static string PeerDirectory { get; } = Path.Combine(StmFhir.Tests.Shared.RepoRoot.Path, "tests", "peer-fhir");

    /// <summary>The FHIR base, with a trailing slash so relative URIs combine: <c>http://127.0.0.1:PORT/fhir/R4/</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The test-only admin API (<c>stats</c>, <c>faults</c>, <c>reset</c>, <c>config</c>), with a trailing slash.</summary>
    public Uri AdminUrl { get; private set; } = null!;

    /// <summary>What the peer wrote to stderr so far (its errors; every request too if started with <c>--log</c>).</summary>
    public string ErrorOutput
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>An HttpClient for the FHIR API: base address <see cref="BaseUrl"/>, accepting FHIR JSON. The caller disposes it.</summary>
    public HttpClient CreateClient()
    {
        var client = new HttpClient { BaseAddress = BaseUrl };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        return client;
    }

    /// <summary>Clears all data, the fault plan, the request counts and the settings.</summary>
    public Task ResetAsync(CancellationToken cancellationToken = default) => AdminAsync(HttpMethod.Post, "reset", null, cancellationToken);

    /// <summary>Replaces the fault plan (JSON as documented in tests/peer-fhir/README.md).</summary>
    public Task SetFaultsAsync(string planJson, CancellationToken cancellationToken = default) =>
        AdminAsync(HttpMethod.Post, "faults", planJson, cancellationToken);

    /// <summary>Removes the fault plan.</summary>
    public Task ClearFaultsAsync(CancellationToken cancellationToken = default) => AdminAsync(HttpMethod.Delete, "faults", null, cancellationToken);

    /// <summary>Changes settings, e.g. <c>{"updateCreate": false}</c> to refuse client ids.</summary>
    public Task ConfigureAsync(string settingsJson, CancellationToken cancellationToken = default) =>
        AdminAsync(HttpMethod.Post, "config", settingsJson, cancellationToken);

    /// <summary>
    /// Changes the peer's SMART Backend Services settings (tests/peer-fhir/lib/smart.js), e.g.
    /// <c>{"enabled":true,"tokenLifetimeSeconds":3,"clients":[{"clientId":"gw","jwksUrl":"http://..."}]}</c>.
    /// </summary>
    public Task SmartAsync(string settingsJson, CancellationToken cancellationToken = default) =>
        AdminAsync(HttpMethod.Post, "smart", settingsJson, cancellationToken);

    /// <summary>The peer's SMART settings and counts: <c>stats.tokensIssued</c>, <c>stats.refused</c>, <c>stats.fhirUnauthorized</c>.</summary>
    public async Task<JsonDocument> GetSmartAsync(CancellationToken cancellationToken = default) =>
        JsonDocument.Parse(await AdminAsync(HttpMethod.Get, "smart", null, cancellationToken));

    /// <summary>Drops every token the peer issued, as a server that revokes them or restarts would.</summary>
    public Task RevokeTokensAsync(CancellationToken cancellationToken = default) => AdminAsync(HttpMethod.Post, "smart/revoke", null, cancellationToken);

    /// <summary>Requests by method and status, injected faults, resources by type, transactions committed and rolled back.</summary>
    public async Task<JsonDocument> GetStatsAsync(CancellationToken cancellationToken = default) =>
        JsonDocument.Parse(await AdminAsync(HttpMethod.Get, "stats", null, cancellationToken));

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        await EnsureInstalledAsync();
        var start = new ProcessStartInfo(NodeExecutable())
        {
            WorkingDirectory = PeerDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "server.js", "--port", "0", "--exit-on-stdin-close" })
        {
            start.ArgumentList.Add(arg);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(StartTimeout);
        string? line;
        try
        {
            line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            line = null;
        }
        if (line is null)
        {
            await DisposeAsync();
            throw new InvalidOperationException($"The FHIR peer did not report ready within {StartTimeout.TotalSeconds} s. stderr:\n{ErrorOutput}");
        }
        using var ready = JsonDocument.Parse(line);
        BaseUrl = new Uri(ready.RootElement.GetProperty("listening").GetString()! + "/");
        AdminUrl = new Uri(ready.RootElement.GetProperty("admin").GetString()! + "/");
        _admin = new HttpClient { BaseAddress = AdminUrl };
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        _admin?.Dispose();
        if (_process is null)
        {
            return;
        }
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            _process.Dispose();
            _process = null;
        }
    }

    private async Task<string> AdminAsync(HttpMethod method, string path, string? json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var response = await _admin!.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Peer admin {method} {path} answered {(int)response.StatusCode}: {body}");
        }
        return body;
    }

    // npm ci when node_modules is missing or older than the lock file; once per test process.
    private static async Task EnsureInstalledAsync()
    {
        await InstallLock.WaitAsync();
        try
        {
            if (s_installed)
            {
                return;
            }
            var installed = new FileInfo(Path.Combine(PeerDirectory, "node_modules", ".package-lock.json"));
            var lockFile = new FileInfo(Path.Combine(PeerDirectory, "package-lock.json"));
            var routerInstalled = File.Exists(Path.Combine(PeerDirectory, "node_modules", "@medplum", "fhir-router", "package.json"));
            if (!routerInstalled || !installed.Exists || installed.LastWriteTimeUtc < lockFile.LastWriteTimeUtc)
            {
                await RunNpmCiAsync();
            }
            s_installed = true;
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static async Task RunNpmCiAsync()
    {
        var start = new ProcessStartInfo(OperatingSystem.IsWindows() ? "npm.cmd" : "npm")
        {
            WorkingDirectory = PeerDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "ci", "--no-audit", "--no-fund" })
        {
            start.ArgumentList.Add(arg);
        }
        using var npm = Process.Start(start) ?? throw new InvalidOperationException("Could not start npm");
        var output = npm.StandardOutput.ReadToEndAsync();
        var error = npm.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(InstallTimeout);
        try
        {
            await npm.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            npm.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"npm ci in {PeerDirectory} took longer than {InstallTimeout.TotalMinutes} minutes");
        }
        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm ci in {PeerDirectory} failed ({npm.ExitCode}):\n{await output}\n{await error}");
        }
    }

    private static string NodeExecutable() =>
        Environment.GetEnvironmentVariable("STMFHIR_NODE") is { Length: > 0 } node ? node : "node";
}
