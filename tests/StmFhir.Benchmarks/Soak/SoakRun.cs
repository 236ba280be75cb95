using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using StmFhir.Benchmarks.Exchange;
using StmFhir.Tests.Shared;

namespace StmFhir.Benchmarks.Soak;

/// <summary>
/// Issue 5's bounded soak: the test peer and the gateway (the built dll, a separate process on a fresh SQLite folder)
/// are started; N distinct sessions are posted by C concurrent clients (each retried until the gateway acknowledges it);
/// the peer answers every 5th FHIR request with 503 (20 %); the gateway is killed with SIGKILL K times during the run
/// and started again on the same folder; once the outbox is drained, the peer is read back (paged, by identifier) and
/// the distinct Procedures, duplicates and lost resources are counted. Exit code 0 only for N Procedures, 0 duplicates,
/// 0 lost.
/// <code>dotnet run -c Release --project tests/StmFhir.Benchmarks -- soak [sessions] [--clients 8] [--kills 2]
///   [--fault-every 5] [--lease 00:00:05] [--retry-delay 00:00:00.100] [--max-minutes 25]</code>
/// </summary>
internal static class SoakRun
{
    private const string Key = "soak-run-key-0000000001";
    private const string TargetName = "peer";

    public static async Task<int> RunAsync(string[] args)
    {
        string Arg(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        var count = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out var n) ? n : 5000;
        var clients = int.Parse(Arg("--clients", "8"), CultureInfo.InvariantCulture);
        var kills = int.Parse(Arg("--kills", "2"), CultureInfo.InvariantCulture);
        var faultEvery = int.Parse(Arg("--fault-every", "5"), CultureInfo.InvariantCulture);
        var lease = Arg("--lease", "00:00:05");
        var retryDelay = Arg("--retry-delay", "00:00:00.100");
        var deadline = TimeSpan.FromMinutes(double.Parse(Arg("--max-minutes", "25"), CultureInfo.InvariantCulture));
        var work = Directory.CreateTempSubdirectory("stmfhir-soak-").FullName;
        var run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);

        Console.WriteLine($"Soak: {count} sessions, {clients} clients, 503 on every {faultEvery}th peer request, {kills} kill(s) of the gateway; work folder {work}");
        var sessions = SampleSessions.Create($"SOAK-{run}", count, patients: Math.Max(1, count / 10));
        using var peer = PeerProcess.Start();
        peer.Configure("""{"validate":false}"""); // Medplum's validator refuses the sessions' RiskAssessment predictions
        await using var gateway = new GatewayProcess(GatewayProcess.BuiltGatewayDll(), work, new Dictionary<string, string>
        {
            ["STMFHIR_DATA_DIR"] = Path.Combine(work, "data"),
            ["STMFHIR_API_KEY"] = Key,
            ["Exchange__Targets__0__Name"] = TargetName,
            ["Exchange__Targets__0__BaseUrl"] = peer.BaseUrl.ToString(),
            ["Exchange__Targets__0__Resilience__RetryDelay"] = retryDelay,
            ["Exchange__Outbox__Lease"] = lease,
        });
        await gateway.StartAsync(TimeSpan.FromMinutes(3));
        if (faultEvery > 0)
        {
            // Each step fires at most 10,000 times; enough steps for ~50 peer requests per session.
            var steps = Math.Clamp(count * 50 / faultEvery / 10_000 + 1, 1, 100);
            await peer.SetFaultsAsync("{\"steps\":[" + string.Join(',', Enumerable.Repeat(
                $$"""{"kind":"status","status":503,"every":{{faultEvery}},"times":10000}""", steps)) + "]}");
        }

        var clock = Stopwatch.StartNew();
        var acknowledged = 0;
        var refusals = 0;
        var killTimes = new List<TimeSpan>();
        var downtime = TimeSpan.Zero;
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }) { Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("X-Api-Key", Key);

        // The kills: halfway through the ingest and, when more are asked for, spread over the rest of the run.
        using var stop = new CancellationTokenSource();
        var killer = Task.Run(async () =>
        {
            for (var k = 1; k <= kills && !stop.IsCancellationRequested; k++)
            {
                var threshold = count * k / (kills + 1);
                while (Volatile.Read(ref acknowledged) < threshold && !stop.IsCancellationRequested)
                {
                    await Task.Delay(20);
                }
                if (stop.IsCancellationRequested)
                {
                    break;
                }
                var before = await StatusTextAsync(gateway.Url);
                var down = Stopwatch.StartNew();
                gateway.Kill();
                killTimes.Add(clock.Elapsed);
                Console.WriteLine(FormattableString.Invariant($"  {clock.Elapsed.TotalSeconds,6:0.0} s: SIGKILL #{k} after {Volatile.Read(ref acknowledged)} acknowledged sessions; just before: {before}"));
                await gateway.StartAsync(TimeSpan.FromMinutes(3));
                downtime += down.Elapsed;
                Console.WriteLine(FormattableString.Invariant($"  {clock.Elapsed.TotalSeconds,6:0.0} s: restarted in {down.Elapsed.TotalSeconds:0.0} s; {await StatusTextAsync(gateway.Url)}"));
            }
        });

        async Task<string> StatusTextAsync(Uri? url)
        {
            if (url is null)
            {
                return "(gateway down)";
            }
            var counts = await StatusAsync(http, url);
            return counts is null ? "(no status)" : $"pending {counts.Value.Pending}, in flight {counts.Value.InFlight}, delivered {counts.Value.Delivered}, dead {counts.Value.Dead}";
        }

        var next = -1;
        var progress = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(15));
                Console.WriteLine(FormattableString.Invariant($"  {clock.Elapsed.TotalSeconds,6:0.0} s: {Volatile.Read(ref acknowledged)} acknowledged; {await StatusTextAsync(gateway.Pid is null ? null : gateway.Url)}"));
            }
        });
        await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                if (!await PostUntilAcknowledgedAsync(http, gateway, sessions[i].Json, clock, deadline))
                {
                    Interlocked.Increment(ref refusals);
                }
                Interlocked.Increment(ref acknowledged);
            }
        })));
        var ingest = clock.Elapsed;
        Console.WriteLine(FormattableString.Invariant($"Ingest: {count} sessions in {ingest.TotalSeconds:0.0} s ({count / ingest.TotalSeconds:0.0}/s), {refusals} refused"));
        await killer;

        // Drained: every row delivered or dead, none pending or in flight (a killed gateway's claims come back after the lease).
        (int Pending, int InFlight, int Delivered, int Dead)? drained = null;
        while (clock.Elapsed < deadline)
        {
            var counts = await StatusAsync(http, gateway.Url);
            if (counts is { Pending: 0, InFlight: 0 } c && c.Delivered + c.Dead >= count)
            {
                drained = c;
                break;
            }
            await Task.Delay(250);
        }
        var drain = clock.Elapsed;
        await stop.CancelAsync();
        if (drained is null)
        {
            Console.WriteLine($"Not drained within {deadline.TotalMinutes} minutes: {await StatusTextAsync(gateway.Url)}");
        }
        else
        {
            Console.WriteLine(FormattableString.Invariant(
                $"Drained: {drained.Value.Delivered} rows delivered, {drained.Value.Dead} dead, {drain.TotalSeconds:0.0} s after the start ({(drain - ingest).TotalSeconds:0.0} s after the ingest)"));
        }

        using (var stats = await peer.StatsAsync())
        {
            Console.WriteLine($"Peer: faults injected {stats.RootElement.GetProperty("faultsInjected")}, requests by status {stats.RootElement.GetProperty("requests").GetProperty("byStatus")}");
        }
        await peer.ClearFaultsAsync();
        var verify = Stopwatch.StartNew();
        using var fhir = new HttpClient { BaseAddress = peer.BaseUrl, Timeout = TimeSpan.FromMinutes(2) };
        var inventory = await PeerInventory.ReadAsync(fhir, PeerInventory.IdentifiedTypes);
        var procedures = await PeerInventory.CountAsync(fhir, "Procedure");
        // One Provenance per delivery: more than one per row means a row was delivered again (after a kill, its lease).
        var provenances = await PeerInventory.CountAsync(fhir, "Provenance");
        var expected = sessions.SelectMany(s => s.Identifiers).DistinctBy(i => (i.ResourceType, i.Key)).ToList();
        var lost = expected.Count(i => inventory.Count(i.ResourceType, i.Key) == 0);
        var lostProcedures = sessions.Count(s => inventory.Count("Procedure", s.SourceSystem + "|" + s.SessionId) == 0);
        var duplicates = PeerInventory.IdentifiedTypes.Sum(inventory.Duplicates);
        var unexpected = PeerInventory.IdentifiedTypes.Sum(t => inventory.Totals[t]) - expected.Count - duplicates;
        Console.WriteLine(FormattableString.Invariant($"Verified at the peer in {verify.Elapsed.TotalSeconds:0.0} s (paged reads of {string.Join(", ", PeerInventory.IdentifiedTypes)}):"));
        Console.WriteLine($"  sessions {count}; kills {killTimes.Count} (at {string.Join(", ", killTimes.Select(t => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"))}; down {downtime.TotalSeconds:0.0} s in all)");
        Console.WriteLine(FormattableString.Invariant($"  time to ingest {ingest.TotalSeconds:0.0} s; time to drain {(drained is null ? "not drained" : $"{drain.TotalSeconds:0.0} s from the start, {(drain - ingest).TotalSeconds:0.0} s after the ingest")}"));
        Console.WriteLine($"  distinct Procedures {inventory.Distinct("Procedure")} (peer total {procedures}); resources by type {string.Join(", ", inventory.Totals.Select(t => $"{t.Key} {t.Value}"))}");
        Console.WriteLine($"  duplicates {duplicates}; lost {lost} resources ({lostProcedures} Procedures); resources the sessions do not explain {unexpected}");
        Console.WriteLine($"  deliveries recorded at the peer (Provenances) {provenances} for {count} outbox rows: {provenances - count} rows delivered again after a kill");
        var ok = drained is not null && inventory.Distinct("Procedure") == count && procedures == count && duplicates == 0 && lost == 0 && unexpected == 0 && refusals == 0;
        Console.WriteLine(ok ? "PASS" : $"FAIL (the gateway's data and logs are kept in {work})");
        await gateway.DisposeAsync();
        if (ok)
        {
            Directory.Delete(work, recursive: true);
        }
        return ok ? 0 : 1;
    }

    /// <summary>Posts one session until the gateway answers 201 or 200 (connection failures while it is down are retried); false if it refused it.</summary>
    private static async Task<bool> PostUntilAcknowledgedAsync(HttpClient http, GatewayProcess gateway, byte[] json, Stopwatch clock, TimeSpan deadline)
    {
        while (clock.Elapsed < deadline)
        {
            try
            {
                using var content = new ByteArrayContent(json);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await http.PostAsync(new Uri(gateway.Url, "stm/sessions"), content);
                if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                {
                    return true;
                }
                if ((int)response.StatusCode < 500)
                {
                    Console.WriteLine($"  refused: {(int)response.StatusCode}");
                    return false;
                }
            }
            catch (HttpRequestException)
            {
                // The gateway is down (killed) or restarting.
            }
            catch (TaskCanceledException)
            {
                // Killed mid-request.
            }
            await Task.Delay(200);
        }
        return false;
    }

    private static async Task<(int Pending, int InFlight, int Delivered, int Dead)?> StatusAsync(HttpClient http, Uri gateway)
    {
        try
        {
            using var status = JsonDocument.Parse(await http.GetStringAsync(new Uri(gateway, "exchange/status")));
            foreach (var target in status.RootElement.GetProperty("targets").EnumerateArray())
            {
                if (target.GetProperty("target").GetString() == TargetName)
                {
                    return (target.GetProperty("pending").GetInt32(), target.GetProperty("inFlight").GetInt32(),
                        target.GetProperty("delivered").GetInt32(), target.GetProperty("dead").GetInt32());
                }
            }
            return (0, 0, 0, 0);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
