using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StmFhir.Tests.Shared;

namespace StmFhir.Benchmarks.Search;

/// <summary>
/// What <c>_revinclude=Observation:part-of</c> costs over HTTP: one patient's 10 sessions searched plainly
/// (<c>GET /fhir/Procedure?patient=</c>) and with their Observations, in alternating rounds of sequential requests against
/// the built gateway (started here, SQLite, 400 sessions of 40 patients stored first). Prints per side the median time
/// per request and the median of the per-round ratios (the target is at most 3).
/// Run: <c>dotnet run -c Release --project tests/StmFhir.Benchmarks -- revinclude [rounds] [requests-per-round]</c>.
/// </summary>
internal static class RevIncludeProbe
{
    private const string Key = "revinclude-probe-key-0001";

    public static async Task<int> RunAsync(int rounds, int perRound)
    {
        var work = Directory.CreateTempSubdirectory("stmfhir-revinclude-").FullName;
        await using var gateway = new GatewayProcess(GatewayProcess.BuiltGatewayDll(), work, new Dictionary<string, string>
        {
            ["STMFHIR_DATA_DIR"] = Path.Combine(work, "data"),
            ["STMFHIR_API_KEY"] = Key,
        });
        await gateway.StartAsync(TimeSpan.FromMinutes(3));
        using var http = new HttpClient { BaseAddress = gateway.Url, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("X-Api-Key", Key);
        var sessions = SampleSessions.Create("REVINC", 400, patients: 40);
        await Parallel.ForEachAsync(sessions, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (session, ct) =>
        {
            using var content = new ByteArrayContent(session.Json);
            content.Headers.ContentType = new("application/json");
            (await http.PostAsync("/stm/sessions", content, ct)).EnsureSuccessStatusCode();
        });
        var mrn = sessions[0].Identifiers.First(i => i.ResourceType == "Patient");
        var patients = await GetJsonAsync(http, $"/fhir/Patient?identifier={Uri.EscapeDataString(mrn.Key)}");
        var patient = patients.GetProperty("entry")[0].GetProperty("resource").GetProperty("id").GetString();
        var plain = $"/fhir/Procedure?patient={patient}";
        var revInclude = plain + "&_revinclude=Observation:part-of";
        var answer = await GetJsonAsync(http, revInclude);
        var entries = answer.GetProperty("entry").EnumerateArray().ToList();
        Console.WriteLine($"{answer.GetProperty("total").GetInt32()} sessions, {entries.Count(e => e.GetProperty("search").GetProperty("mode").GetString() == "include")} Observations included");

        var plainMs = new List<double>();
        var revMs = new List<double>();
        for (var round = -1; round < rounds; round++)
        {
            var p = await TimeAsync(http, plain, perRound);
            var r = await TimeAsync(http, revInclude, perRound);
            if (round >= 0)
            {
                // Round -1 warms up both (JIT, caches).
                plainMs.Add(p);
                revMs.Add(r);
            }
        }
        var ratios = plainMs.Zip(revMs, (p, r) => r / p).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{rounds} alternating rounds of {perRound} sequential requests; medians: plain {Median(plainMs):F2} ms, _revinclude {Median(revMs):F2} ms, ratio x{Median(ratios):F2} (rounds: {string.Join(", ", ratios.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))})"));
        return 0;
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string url)
    {
        using var response = await http.GetAsync(url);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task<double> TimeAsync(HttpClient http, string url, int count)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            using var response = await http.GetAsync(url);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
        }
        return clock.Elapsed.TotalMilliseconds / count;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
