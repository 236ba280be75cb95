using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using StmFhir.Tests.Shared;

namespace StmFhir.Benchmarks.Outcomes;

/// <summary>
/// <c>outcomes [rounds] [requests] [sessions]</c>: the gateway as a process on its own SQLite folder, one patient with
/// <c>sessions</c> STM sessions (default 100) posted through <c>POST /stm/sessions</c>; then alternating rounds of
/// <c>requests</c> sequential <c>GET /fhir/Patient/{id}</c> and <c>requests</c> sequential
/// <c>GET /fhir/Patient/{id}/$stm-outcomes</c> over one keep-alive connection. Per round: the median latency of each and
/// their ratio; at the end the median and range of each over the rounds (issue 15's goal: outcomes under 20x the read).
/// </summary>
internal static class OutcomesProbe
{
    private const string Key = "outcomes-probe-key-00001";

    public static async Task<int> RunAsync(int rounds, int requests, int sessions)
    {
        var folder = Path.Combine(Path.GetTempPath(), "stmfhir-outcomes-probe-" + Guid.NewGuid().ToString("N"));
        await using var gateway = new GatewayProcess(GatewayProcess.BuiltGatewayDll(), folder, new Dictionary<string, string>
        {
            ["STMFHIR_DATA_DIR"] = Path.Combine(folder, "data"),
            ["Authentication__ApiKeys__0__Name"] = "probe",
            ["Authentication__ApiKeys__0__Key"] = Key,
        });
        await gateway.StartAsync(TimeSpan.FromSeconds(180));
        using var client = new HttpClient { BaseAddress = gateway.Url };
        client.DefaultRequestHeaders.Add("X-Api-Key", Key);
        var patientId = await SeedAsync(client, sessions);
        var read = $"/fhir/Patient/{patientId}";
        var outcomes = $"/fhir/Patient/{patientId}/$stm-outcomes";
        using (var check = JsonDocument.Parse(await client.GetStringAsync(outcomes)))
        {
            var count = check.RootElement.GetProperty("parameter").EnumerateArray().Count(p => p.GetProperty("name").GetString() == "session");
            Console.WriteLine($"patient {patientId}: $stm-outcomes lists {count} sessions");
        }
        // Warm both paths (JIT, SQLite page cache) before timing.
        await TimeAsync(client, read, requests);
        await TimeAsync(client, outcomes, requests);
        var results = new List<(double Read, double Outcomes)>();
        for (var round = 0; round < rounds; round++)
        {
            var r = await TimeAsync(client, read, requests);
            var o = await TimeAsync(client, outcomes, requests);
            results.Add((r, o));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round + 1}: read median {r:F3} ms, $stm-outcomes median {o:F3} ms, ratio x{o / r:F1}"));
        }
        Console.WriteLine(Summary("read ms", results.Select(x => x.Read)));
        Console.WriteLine(Summary("$stm-outcomes ms", results.Select(x => x.Outcomes)));
        Console.WriteLine(Summary("ratio", results.Select(x => x.Outcomes / x.Read)));
        await OutcomesStages.RunAsync(Path.Combine(folder, "data"), patientId, rounds);
        return 0;
    }

    private static async Task<string> SeedAsync(HttpClient client, int sessions)
    {
        const string mrn = "MRN-PROBE-100";
        foreach (var session in OutcomeSessions.Create(mrn, sessions))
        {
            using var response = await client.PostAsync("/stm/sessions", new StringContent(session, Encoding.UTF8, "application/json"));
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"Seeding failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
        using var found = JsonDocument.Parse(await client.GetStringAsync($"/fhir/Patient?identifier={OutcomeSessions.MrnSystem}|{mrn}"));
        return found.RootElement.GetProperty("entry")[0].GetProperty("resource").GetProperty("id").GetString()!;
    }

    private static async Task<double> TimeAsync(HttpClient client, string path, int requests)
    {
        var times = new double[requests];
        for (var i = 0; i < requests; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync(path);
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        return Median(times);
    }

    private static string Summary(string name, IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return string.Create(CultureInfo.InvariantCulture, $"{name}: median {Median(sorted):F3}, range {sorted[0]:F3}-{sorted[^1]:F3}");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
