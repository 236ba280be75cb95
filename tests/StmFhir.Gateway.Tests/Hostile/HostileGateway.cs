using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;

namespace StmFhir.Gateway.Tests.Hostile;

/// <summary>
/// The built gateway as its own process (real Kestrel on 127.0.0.1), so that an input that kills it fails one test
/// instead of the test host, and its resident memory can be read from /proc. Configured by environment variables as
/// an operator would: three API keys (read-write, read-only, write-only), JWTs, and the suite's limits.
/// </summary>
public sealed class HostileGateway : IAsyncDisposable
{
    public const string ReadWriteKey = "hostile-read-write-key-01";
    public const string ReadOnlyKey = "hostile-read-only-key-001";
    public const string WriteOnlyKey = "hostile-write-only-key-01";

    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromSeconds(30);
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };

    private HostileGateway(GatewayProcess process, string folder, IReadOnlyDictionary<string, string> storage)
    {
        Process = process;
        Folder = folder;
        Storage = storage;
    }

    internal GatewayProcess Process { get; }

    public string Folder { get; }

    /// <summary>The storage variables it was started with (SQLite folder, or PostgreSQL connection string).</summary>
    public IReadOnlyDictionary<string, string> Storage { get; }

    public Uri Url => Process.Url;

    /// <summary>Starts a gateway on <paramref name="storage"/> with the suite's settings, then <paramref name="extra"/>.</summary>
    public static async Task<HostileGateway> StartAsync(IReadOnlyDictionary<string, string> storage, IReadOnlyDictionary<string, string>? extra = null)
    {
        var folder = Path.Combine(Path.GetTempPath(), "stmfhir-hostile-" + Guid.NewGuid().ToString("N"));
        var environment = new Dictionary<string, string>
        {
            ["Authentication__ApiKeys__0__Name"] = "hostile-read-write",
            ["Authentication__ApiKeys__0__Key"] = ReadWriteKey,
            ["Authentication__ApiKeys__1__Name"] = "hostile-read-only",
            ["Authentication__ApiKeys__1__Key"] = ReadOnlyKey,
            ["Authentication__ApiKeys__1__Scopes__0"] = "read",
            ["Authentication__ApiKeys__2__Name"] = "hostile-write-only",
            ["Authentication__ApiKeys__2__Key"] = WriteOnlyKey,
            ["Authentication__ApiKeys__2__Scopes__0"] = "write",
            ["Authentication__Jwt__Issuer"] = TestTokens.Issuer,
            ["Authentication__Jwt__Audience"] = TestTokens.Audience,
            ["Authentication__Jwt__SymmetricKeys__0"] = TestTokens.SigningKeyBase64,
            ["Fhir__ValidationWarmUp"] = "00:00:00",
            [HostileSettings.MaxRequestBodyBytes] = HostileSettings.BodyLimit.ToString(CultureInfo.InvariantCulture),
            [HostileSettings.MaxResponseBytes] = HostileSettings.ResponseLimit.ToString(CultureInfo.InvariantCulture),
            [HostileSettings.MaxBundleEntries] = HostileSettings.EntryLimit.ToString(CultureInfo.InvariantCulture),
            [HostileSettings.PublicBaseUrl] = HostileSettings.PublicBase,
        };
        foreach (var (name, value) in storage.Concat(extra ?? new Dictionary<string, string>()))
        {
            environment[name] = value.Replace("{folder}", folder, StringComparison.Ordinal);
        }
        var gateway = new HostileGateway(new GatewayProcess(GatewayProcess.BuiltGatewayDll(), folder, environment), folder, storage);
        await gateway.Process.StartAsync(TimeSpan.FromSeconds(120));
        return gateway;
    }

    /// <summary>Starts it again when an earlier test killed it, so one crash fails one test.</summary>
    public async Task EnsureRunningAsync()
    {
        if (Process.Pid is null)
        {
            await Process.StartAsync(TimeSpan.FromSeconds(120));
        }
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content = null, string key = ReadWriteKey,
        Action<HttpRequestMessage>? configure = null, TimeSpan? timeout = null, bool stopOnTimeout = true)
    {
        using var message = new HttpRequestMessage(method, new Uri(Url, path)) { Content = content };
        if (key.Length > 0)
        {
            message.Headers.Add(key.Contains('.', StringComparison.Ordinal) ? "Authorization" : "X-Api-Key", key.Contains('.', StringComparison.Ordinal) ? "Bearer " + key : key);
        }
        configure?.Invoke(message);
        var limit = timeout ?? s_requestTimeout;
        using var cancel = new CancellationTokenSource(limit);
        try
        {
            var response = await _http.SendAsync(message, cancel.Token);
            await response.Content.LoadIntoBufferAsync(cancel.Token);
            return response;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested && !stopOnTimeout)
        {
            throw new TimeoutException($"{method} {path}: no answer within {limit.TotalSeconds} s (the client hung up)");
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Work that outlives its request would hold the validation slots of every later test: stop it here.
            Process.Kill();
            throw new TimeoutException($"{method} {path}: no answer within {limit.TotalSeconds} s; the gateway was stopped (the next test starts it again)");
        }
        catch (HttpRequestException e)
        {
            await Task.Delay(300);
            throw new HttpRequestException($"{method} {path}: {e.Message}; gateway process {(Process.Pid is null ? "gone" : "still running")}:\n{Process.RecentOutput[^Math.Min(2000, Process.RecentOutput.Length)..]}", e);
        }
    }

    public Task<HttpResponseMessage> PostAsync(string path, string body, string contentType = "application/fhir+json", string key = ReadWriteKey) =>
        SendAsync(HttpMethod.Post, path, Body(body, contentType), key);

    public Task<HttpResponseMessage> PutAsync(string path, string body, string key = ReadWriteKey) =>
        SendAsync(HttpMethod.Put, path, Body(body, "application/fhir+json"), key);

    public Task<HttpResponseMessage> GetAsync(string path, string key = ReadWriteKey) => SendAsync(HttpMethod.Get, path, key: key);

    public static ByteArrayContent Body(string text, string contentType) => Body(Encoding.UTF8.GetBytes(text), contentType);

    public static ByteArrayContent Body(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    /// <summary>The process still runs and answers <c>/healthz</c>.</summary>
    public async Task AssertAliveAsync()
    {
        Assert.True(Process.Pid is not null, $"the gateway process is gone:\n{Process.RecentOutput}");
        using var health = await SendAsync(HttpMethod.Get, "/healthz", key: "", timeout: TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    /// <summary>Runs <paramref name="action"/> while sampling the process's resident memory; returns the highest seen, in bytes.</summary>
    public async Task<long> PeakRssDuringAsync(Func<Task> action)
    {
        using var stop = new CancellationTokenSource();
        long peak = 0;
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, ResidentBytes("VmRSS:"));
                await Task.Delay(25, CancellationToken.None);
            }
        });
        try
        {
            await action();
        }
        finally
        {
            await stop.CancelAsync();
            await sampler;
        }
        return Math.Max(peak, ResidentBytes("VmRSS:"));
    }

    /// <summary>A line of /proc/{pid}/status in bytes (<c>VmRSS:</c> now, <c>VmHWM:</c> the peak); 0 when gone.</summary>
    public long ResidentBytes(string field)
    {
        try
        {
            var line = Process.Pid is { } pid ? File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal)) : null;
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Process.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A log file still closing; left for the OS's temp clean-up.
        }
    }
}
