using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>
/// Sends fuzz cases to a gateway running as its own process (real Kestrel on 127.0.0.1) with a read-write key. A case
/// fails on a 5xx (named by the exception type and throwing method the gateway logged under the request's correlation
/// id), on a 4xx that is not an OperationOutcome, on a connection that breaks (the process is then restarted and the
/// run goes on), and on a request over the time budget; the gateway's peak resident memory (VmHWM) must stay under the
/// limit. The first case of each 5xx signature is minimized against the live gateway.
/// </summary>
internal sealed class HttpFuzzRunner(GatewayProcess gateway, string key, FuzzSettings settings, Action<string> log)
{
    private const int KeptResponseBytes = 64 * 1024;

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly SemaphoreSlim _restart = new(1, 1);
    private int _restarts;
    private int _generation;
    private long _largestResponse;
    private long _peakRss;

    /// <summary>The largest response body seen, in bytes.</summary>
    public long LargestResponseBytes => Interlocked.Read(ref _largestResponse);

    public async Task<FuzzFindings> RunAsync(CancellationToken cancellationToken = default)
    {
        var findings = new FuzzFindings(settings, "http");
        var clock = Stopwatch.StartNew();
        await PrimeAsync(cancellationToken).ConfigureAwait(false);
        log($"http fuzz: {settings.Cases} cases against {gateway.Url}, seed {settings.Seed}, {settings.Parallel} in flight");
        var toMinimize = new List<(FuzzFailure Failure, HttpFuzzRequest Request)>();
        await Parallel.ForEachAsync(settings.CaseIndexes(), new ParallelOptions { MaxDegreeOfParallelism = settings.Parallel, CancellationToken = cancellationToken }, async (index, ct) =>
        {
            if (findings.Failures.Count >= settings.MaxFailures)
            {
                return;
            }
            var fuzzCase = FuzzCases.Create(settings.Seed, index, settings.Kinds);
            findings.CountCase();
            var requests = HttpFuzzRequests.For(fuzzCase);
            for (var i = 0; i < requests.Count; i++)
            {
                var request = requests[i];
                var body = request.Body(null);
                findings.CountRequest();
                var signature = await SendAsync(request, body, $"fuzz.{fuzzCase.Id.Replace(':', '.')}.{i}", ct).ConfigureAwait(false);
                NoteMemory(findings, fuzzCase, request, body?.Length ?? 0);
                if (signature is null)
                {
                    continue;
                }
                var failure = new FuzzFailure(fuzzCase, request.Endpoint, signature);
                if (findings.Add(failure, body) && request.FromTree && signature.StartsWith('5'))
                {
                    lock (toMinimize)
                    {
                        toMinimize.Add((failure, request));
                    }
                }
                log($"FAIL {request.Endpoint} {fuzzCase}: {signature}");
            }
            if (index % 25 == 0)
            {
                SamplePeakRss();
            }
        }).ConfigureAwait(false);
        if (findings.Failures.Count >= settings.MaxFailures)
        {
            log($"stopped after {findings.Failures.Count} failures (STMFHIR_FUZZ_MAX_FAILURES)");
        }
        SamplePeakRss();
        findings.PeakRssBytes = Interlocked.Read(ref _peakRss);
        foreach (var (failure, request) in toMinimize.Take(settings.MinimizeSignatures))
        {
            await MinimizeAsync(findings, failure, request, cancellationToken).ConfigureAwait(false);
        }
        log($"largest response {LargestResponseBytes / 1024} KB, {_restarts} restarts");
        findings.Elapsed = clock.Elapsed;
        return findings;
    }

    /// <summary>Stores the sample Bundles and sessions first, so that searches, history and updates meet real data.</summary>
    private async Task PrimeAsync(CancellationToken cancellationToken)
    {
        foreach (var seed in FuzzCorpus.Seeds.Where(s => s.Kind != SeedKind.Resource))
        {
            var path = seed.Kind == SeedKind.Session ? "/stm/sessions" : "/fhir";
            using var content = new ByteArrayContent(FuzzBody.Write(seed.Json));
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(seed.Kind == SeedKind.Session ? "application/json" : "application/fhir+json");
            using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway.Url, path)) { Content = content };
            message.Headers.Add("X-Api-Key", key);
            using var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode >= 300)
            {
                throw new InvalidOperationException($"Priming with {seed.Name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
            }
        }
    }

    /// <summary>
    /// Null when the gateway answered well; else the failure's signature. A request broken by a restart for another
    /// request is sent once more; a request that killed the gateway or ran over budget restarts it.
    /// </summary>
    public async Task<string?> SendAsync(HttpFuzzRequest request, byte[]? body, string correlationId, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await _restart.WaitAsync(cancellationToken).ConfigureAwait(false);
            _restart.Release();
            var generation = Volatile.Read(ref _generation);
            var signature = await SendOnceAsync(request, body, correlationId, cancellationToken).ConfigureAwait(false);
            if (signature is null)
            {
                return null;
            }
            if (signature.StartsWith("connection failed", StringComparison.Ordinal) && body?.Length > settings.GatewayBodyLimit && gateway.Pid is not null)
            {
                // Refused with 413 before it was read, and the connection closed while the client was still sending.
                return null;
            }
            if (signature.StartsWith("connection failed", StringComparison.Ordinal))
            {
                if (generation != Volatile.Read(ref _generation) && attempt == 0)
                {
                    continue;
                }
                await Task.Delay(300, cancellationToken).ConfigureAwait(false);
                if (gateway.Pid is null)
                {
                    var why = WhyItDied(gateway.RecentOutput);
                    if (!await RestartAsync(generation, why, cancellationToken).ConfigureAwait(false) && attempt == 0)
                    {
                        // Another request's restart: this one may have been in flight when that one killed the gateway.
                        continue;
                    }
                    return $"process died ({why})";
                }
            }
            if (signature == OverBudget)
            {
                await RestartAsync(generation, "a request over budget", cancellationToken).ConfigureAwait(false);
            }
            return signature;
        }
    }

    private const string OverBudget = "over budget";

    /// <summary>An OperationOutcome in JSON, or in XML where the request asked for it (<c>_format=xml</c>, <c>Accept</c>).</summary>
    private static bool IsOperationOutcome(string? mediaType, string head) => mediaType switch
    {
        "application/fhir+json" => head.Contains("\"OperationOutcome\"", StringComparison.Ordinal),
        "application/fhir+xml" => head.Contains("<OperationOutcome xmlns=\"http://hl7.org/fhir\"", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>
    /// From the process's last lines: a stack overflow prints "Stack overflow." and then thousands of frames, so the
    /// kept tail is the same frame over and over.
    /// </summary>
    private static string WhyItDied(string output)
    {
        var frames = output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("at ", StringComparison.Ordinal)).ToList();
        var repeated = frames.GroupBy(f => f, StringComparer.Ordinal).Select(g => (Frame: g.Key, Count: g.Count())).MaxBy(g => g.Count);
        return output.Contains("Stack overflow", StringComparison.OrdinalIgnoreCase) || repeated.Count > 50
            ? $"stack overflow{(repeated.Frame is null ? "" : " in " + repeated.Frame.Split('(')[0][3..])}"
            : output.Contains("OutOfMemory", StringComparison.Ordinal) ? "out of memory" : "exited";
    }

    private async Task<string?> SendOnceAsync(HttpFuzzRequest request, byte[]? body, string correlationId, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(settings.Budget);
        using var message = new HttpRequestMessage(request.Method, new Uri(gateway.Url, request.Path));
        message.Headers.Add("X-Api-Key", key);
        message.Headers.Add("X-Correlation-Id", correlationId);
        if (body is not null)
        {
            message.Content = new ByteArrayContent(body);
            message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
        }
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, budget.Token).ConfigureAwait(false);
            var (head, length) = await ReadAsync(response, budget.Token).ConfigureAwait(false);
            InterlockedMax(ref _largestResponse, length);
            var status = (int)response.StatusCode;
            if (status >= 500)
            {
                return $"{status} {await LoggedExceptionAsync(correlationId).ConfigureAwait(false)}";
            }
            // A bodiless 400/414/431 is Kestrel refusing the request line or headers (%00 in the path, an 8 KB URL) before the app runs.
            var protocolRefusal = status is 400 or 414 or 431 && length == 0 && response.Content.Headers.ContentType is null;
            if (status >= 400 && !protocolRefusal && !IsOperationOutcome(response.Content.Headers.ContentType?.MediaType, head))
            {
                return $"{status} without an OperationOutcome ({response.Content.Headers.ContentType?.MediaType ?? "no content type"})";
            }
            return null;
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return OverBudget;
        }
        catch (HttpRequestException e)
        {
            return $"connection failed ({e.HttpRequestError})";
        }
    }

    private static async Task<(string Head, long Length)> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var kept = new MemoryStream();
        var buffer = new byte[81920];
        long length = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (kept.Length < KeptResponseBytes)
            {
                kept.Write(buffer, 0, Math.Min(read, KeptResponseBytes - (int)kept.Length));
            }
            length += read;
        }
        return (Encoding.UTF8.GetString(kept.ToArray()), length);
    }

    /// <summary>
    /// Starts the gateway again (killing it if it still runs), unless another request already did since
    /// <paramref name="seenGeneration"/>; true when this call restarted it.
    /// </summary>
    private async Task<bool> RestartAsync(int seenGeneration, string why, CancellationToken cancellationToken)
    {
        await _restart.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (seenGeneration != Volatile.Read(ref _generation))
            {
                return false;
            }
            // First, so that requests broken by the kill below know it was a restart and are sent again.
            Interlocked.Increment(ref _generation);
            if (++_restarts > settings.MaxRestarts)
            {
                throw new InvalidOperationException($"The gateway was restarted {settings.MaxRestarts} times; the run stops here. Last output:\n{gateway.RecentOutput}");
            }
            SamplePeakRss();
            log($"restarting the gateway after {why}");
            gateway.Kill();
            await gateway.StartAsync(TimeSpan.FromSeconds(120), cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _restart.Release();
        }
    }

    /// <summary>The exception type and throwing method the gateway logged for this request (CLEF file, by correlation id).</summary>
    private async Task<string> LoggedExceptionAsync(string correlationId)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            foreach (var file in Directory.Exists(Path.Combine(gateway.WorkDirectory, "logs")) ? Directory.GetFiles(Path.Combine(gateway.WorkDirectory, "logs"), "*.clef") : [])
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
                {
                    if (line.Contains(correlationId, StringComparison.Ordinal) && line.Contains("\"ExceptionType\"", StringComparison.Ordinal))
                    {
                        var logged = JsonNode.Parse(line)!;
                        return CrashSignature.Of(logged["ExceptionType"]?.GetValue<string>() ?? "?", logged["StackTrace"]?.GetValue<string>());
                    }
                }
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
        return "(no exception logged)";
    }

    private async Task MinimizeAsync(FuzzFindings findings, FuzzFailure failure, HttpFuzzRequest request, CancellationToken cancellationToken)
    {
        var attempt = 0;
        var minimized = await CaseMinimizer.MinimizeAsync(failure.Case.Document!, async d =>
            await SendAsync(request, request.Body(d), $"fuzz.min.{failure.Case.Id.Replace(':', '.')}.{attempt++}", cancellationToken).ConfigureAwait(false) == failure.Signature,
            maxAttempts: 300, maxTime: TimeSpan.FromSeconds(45)).ConfigureAwait(false);
        var body = request.Body(minimized)!;
        findings.Save(Path.GetFileNameWithoutExtension(failure.SavedAs!) + ".min", "json", body);
        var text = Encoding.UTF8.GetString(body);
        failure.Minimized = text.Length <= 2000 ? text : $"{text.Length} bytes, see the saved file";
    }

    private void SamplePeakRss() => InterlockedMax(ref _peakRss, PeakRss());

    /// <summary>
    /// After each request: when the gateway's peak resident memory rose by more than a few MB, the request (or the one
    /// in flight beside it) drove it, and it is kept for the summary; with <c>STMFHIR_FUZZ_TRACE_MEMORY=1</c> every
    /// request's resident and peak memory is logged.
    /// </summary>
    private void NoteMemory(FuzzFindings findings, FuzzCase fuzzCase, HttpFuzzRequest request, int bodyBytes)
    {
        var (rss, hwm) = Memory();
        if (s_traceMemory)
        {
            log($"memory: rss {rss >> 20} MB, peak {hwm >> 20} MB after {request.Endpoint} ({bodyBytes >> 10} KB) {fuzzCase}");
        }
        var seen = Interlocked.Read(ref _peakRss);
        InterlockedMax(ref _peakRss, hwm);
        if (hwm - seen > 8 * 1024 * 1024)
        {
            findings.AddPeakRise(new PeakRise(hwm, hwm - seen, request.Endpoint, bodyBytes, fuzzCase));
        }
    }

    private static readonly bool s_traceMemory = Environment.GetEnvironmentVariable("STMFHIR_FUZZ_TRACE_MEMORY") == "1";

    /// <summary>The gateway process's resident memory now (VmRSS) and its peak so far (VmHWM), in bytes; 0 when they cannot be read.</summary>
    private (long Rss, long Peak) Memory()
    {
        long rss = 0, peak = 0;
        try
        {
            if (gateway.Pid is { } pid)
            {
                foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                {
                    if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    {
                        rss = Kilobytes(line);
                    }
                    else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    {
                        peak = Kilobytes(line);
                    }
                }
            }
        }
        catch (IOException)
        {
            // The process ended between the check and the read.
        }
        return (rss, peak);
    }

    private static long Kilobytes(string statusLine) =>
        long.Parse(statusLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;

    /// <summary>The gateway process's peak resident memory so far (VmHWM), in bytes; 0 when it cannot be read.</summary>
    public long PeakRss() => Memory().Peak;

    private static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while (value > (seen = Interlocked.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
