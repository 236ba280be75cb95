using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace StmFhir.Benchmarks.Load;

/// <summary>
/// A bounded loopback load run against a running gateway (issue 4's performance figures): N distinct sessions made from
/// samples/sessions posted by C concurrent clients to <c>POST /stm/sessions</c>, then M <c>$validate</c> calls of a sample
/// Bundle. Reports throughput, p50/p99 latency and, given the gateway's pid, its resident memory. Stops by itself.
/// <code>dotnet run -c Release --project tests/StmFhir.Benchmarks -- load --url http://127.0.0.1:8080 --key KEY
///   [--sessions 10000] [--clients 16] [--validate 2000] [--warmup 200] [--validate-warmup 100] [--reads 0] [--pid PID]</code>
/// <c>--reads N</c> adds, after the sessions, N searches <c>GET /fhir/Procedure?identifier={session id}</c> and then 5N reads
/// <c>GET /fhir/Procedure/{id}</c> of the Procedures found (a read costs about a tenth of a search, so five times as many
/// make a phase long enough to time), over the sessions just posted: the read side of the facade.
/// The <c>$validate</c> phase follows the sessions straight away; its first second or two run slower while the
/// runtime adjusts to the new work (GC pauses of 7-10 ms instead of 2-3 ms, code the JIT has not optimized yet), which
/// <c>--validate-warmup</c> (requests not counted) leaves out of a steady-state figure.
/// </summary>
internal static class LoadDriver
{
    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        var url = new Uri(Arg("--url", "http://127.0.0.1:8080"));
        if (!url.IsLoopback)
        {
            Console.Error.WriteLine("The load driver only targets loopback addresses.");
            return 2;
        }
        var key = Arg("--key", Environment.GetEnvironmentVariable("STMFHIR_API_KEY") ?? "stmfhir-development-key");
        var sessions = int.Parse(Arg("--sessions", "10000"), CultureInfo.InvariantCulture);
        var clients = int.Parse(Arg("--clients", "16"), CultureInfo.InvariantCulture);
        var validations = int.Parse(Arg("--validate", "2000"), CultureInfo.InvariantCulture);
        var warmup = int.Parse(Arg("--warmup", "200"), CultureInfo.InvariantCulture);
        var validateWarmup = int.Parse(Arg("--validate-warmup", "100"), CultureInfo.InvariantCulture);
        var reads = int.Parse(Arg("--reads", "0"), CultureInfo.InvariantCulture);
        var pid = Arg("--pid", "");
        var run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromSeconds(60),
        };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);

        var samples = Directory.EnumerateFiles(RepoFiles.Samples("sessions"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => JsonNode.Parse(File.ReadAllText(f))!.AsObject()).ToList();
        byte[] Session(string prefix, int i)
        {
            var session = samples[i % samples.Count].DeepClone().AsObject();
            session["sessionId"] = $"{prefix}-{run}-{i}";
            session["patient"]!["identifier"]!["value"] = $"LOAD-MRN-{i % 2000}";
            return Encoding.UTF8.GetBytes(session.ToJsonString());
        }

        Console.WriteLine($"Warm-up: {warmup} sessions");
        await RunPhaseAsync("warm-up", warmup, clients, i => Post(http, "/stm/sessions", Session("WARM", i), "application/json"), pid);
        Console.WriteLine($"RSS after warm-up: {Rss(pid)}");

        var bodies = Enumerable.Range(0, sessions).Select(i => Session("LOAD", i)).ToArray();
        var ingest = await RunPhaseAsync("POST /stm/sessions", sessions, clients, i => Post(http, "/stm/sessions", bodies[i], "application/json"), pid);
        Console.WriteLine($"RSS after {sessions} sessions: {Rss(pid)}");

        if (reads > 0)
        {
            await RunReadsAsync(http, reads, Math.Max(1, sessions), clients, i => $"LOAD-{run}-{i}", pid);
        }
        if (validations > 0)
        {
            var bundle = await File.ReadAllBytesAsync(RepoFiles.Samples("bundles", "01-lateral-epicondylitis-iastm.json"));
            await RunPhaseAsync("$validate warm-up", validateWarmup, clients, _ => Post(http, "/fhir/$validate", bundle, "application/fhir+json"), pid);
            await RunPhaseAsync("POST /fhir/$validate", validations, clients, _ => Post(http, "/fhir/$validate", bundle, "application/fhir+json"), pid);
            Console.WriteLine($"RSS after $validate: {Rss(pid)}");
        }
        return ingest.Failures == 0 ? 0 : 1;
    }

    /// <summary>Searches each session's Procedure by identifier, then reads each Procedure found by its id.</summary>
    private static async Task RunReadsAsync(HttpClient http, int reads, int sessions, int clients, Func<int, string> sessionId, string pid)
    {
        var ids = new string?[reads];
        await RunPhaseAsync("GET /fhir/Procedure?identifier", reads, clients, async i =>
        {
            using var response = await http.GetAsync($"/fhir/Procedure?identifier={Uri.EscapeDataString(sessionId(i % sessions))}").ConfigureAwait(false);
            var bundle = JsonNode.Parse(await response.Content.ReadAsStringAsync().ConfigureAwait(false));
            ids[i] = bundle?["entry"]?[0]?["resource"]?["id"]?.GetValue<string>();
            return (int)response.StatusCode;
        }, pid);
        var found = ids.OfType<string>().ToArray();
        await RunPhaseAsync("GET /fhir/Procedure/{id}", found.Length == 0 ? 0 : 5 * reads, clients, async i =>
        {
            using var response = await http.GetAsync($"/fhir/Procedure/{found[i % found.Length]}").ConfigureAwait(false);
            await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
            return (int)response.StatusCode;
        }, pid);
    }

    private static async Task<int> Post(HttpClient http, string path, byte[] body, string mediaType)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        using var response = await http.PostAsync(path, content).ConfigureAwait(false);
        await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        return (int)response.StatusCode;
    }

    private static async Task<(double PerSecond, int Failures)> RunPhaseAsync(string name, int count, int clients, Func<int, Task<int>> send, string pid)
    {
        if (count == 0)
        {
            return (0, 0);
        }
        var gatewayCpuBefore = CpuSeconds(pid);
        var driverCpuBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        var latencies = new double[count];
        var statuses = new int[count];
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var started = Stopwatch.GetTimestamp();
                statuses[i] = await send(i).ConfigureAwait(false);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        var gatewayCpu = CpuSeconds(pid) - gatewayCpuBefore;
        var driverCpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - driverCpuBefore;
        Array.Sort(latencies);
        double Percentile(double p) => latencies[Math.Min(count - 1, (int)Math.Ceiling(p * count) - 1)];
        var failures = statuses.Count(s => s is < 200 or >= 300);
        var byStatus = string.Join(", ", statuses.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}"));
        Console.WriteLine(FormattableString.Invariant(
            $"{name}: {count} requests, {clients} clients, {seconds:0.0} s, {count / seconds:0.0}/s, p50 {Percentile(0.50):0.0} ms, p90 {Percentile(0.90):0.0} ms, p99 {Percentile(0.99):0.0} ms, max {latencies[^1]:0.0} ms; statuses {byStatus}"));
        // CPU per request does not depend on what else the machine runs; Environment.ProcessorCount / (gateway + driver CPU)
        // is the rate this machine could sustain with nothing else on it.
        Console.WriteLine(FormattableString.Invariant(
            $"  CPU per request: gateway {gatewayCpu * 1000 / count:0.00} ms, driver {driverCpu * 1000 / count:0.00} ms; idle-machine bound {Environment.ProcessorCount / ((gatewayCpu + driverCpu) / count):0}/s ({Environment.ProcessorCount} cores); machine load average {LoadAverage()}"));
        return (count / seconds, failures);
    }

    /// <summary>User + system CPU seconds of a process, from /proc (0 without a pid).</summary>
    private static double CpuSeconds(string pid)
    {
        if (pid.Length == 0 || !File.Exists($"/proc/{pid}/stat"))
        {
            return 0;
        }
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of stat (utime, stime) in clock ticks, counted after the ")" that ends field 2.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private static string Rss(string pid)
    {
        if (pid.Length == 0 || !File.Exists($"/proc/{pid}/status"))
        {
            return "(no --pid)";
        }
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? "unknown" : line["VmRSS:".Length..].Trim();
    }
}
