using System.Diagnostics;
using System.Globalization;
using StmFhir.Core.Outcomes;
using StmFhir.Exchange;
using StmFhir.Exchange.Outcomes;
using StmFhir.Exchange.Store;

namespace StmFhir.Benchmarks.Outcomes;

/// <summary>
/// Where <c>$stm-outcomes</c>' time goes, in this process on the probe gateway's SQLite folder (read while the gateway
/// runs): the way before the outcome index (the store's searches, reading the values from the stored JSON), the trends,
/// the Parameters and their JSON; and <see cref="PatientOutcomes.ReadAsync"/> whole, which reads the outcome index.
/// </summary>
internal static class OutcomesStages
{
    public static async Task RunAsync(string dataDirectory, string patientId, int rounds)
    {
        var store = ResourceStores.Create(new StorageOptions { DataDirectory = dataDirectory }, TimeProvider.System);
        await store.InitializeAsync();
        var patient = new ReferenceValue("Patient", patientId);
        var stages = new Dictionary<string, List<double>>();
        void Add(string name, double ms) => (stages.TryGetValue(name, out var list) ? list : stages[name] = []).Add(ms);
        for (var round = 0; round < rounds + 1; round++)
        {
            var start = Stopwatch.GetTimestamp();
            var procedures = await store.ReferencingAsync("Procedure", "patient", patient);
            var t1 = Stopwatch.GetTimestamp();
            var observations = await store.ReferencingAsync("Observation", "patient", patient);
            var t2 = Stopwatch.GetTimestamp();
            var sessions = procedures.Select(r => OutcomeJson.ReadSession(r.Json)).OfType<SessionStart>().ToList();
            var values = observations.Select(r => OutcomeJson.ReadMeasurement(r.Json)).OfType<MeasuredValue>().ToList();
            var t3 = Stopwatch.GetTimestamp();
            var report = OutcomeTrends.Compute(patientId, sessions, values);
            var t4 = Stopwatch.GetTimestamp();
            var json = OutcomeParameters.ToJson(report);
            var t5 = Stopwatch.GetTimestamp();
            var whole = await PatientOutcomes.ReadAsync(store, patientId);
            var t6 = Stopwatch.GetTimestamp();
            if (round == 0)
            {
                Console.WriteLine($"in-process: {procedures.Count} Procedures, {observations.Count} Observations, {json.Length} characters of Parameters, {whole!.Sessions.Count} sessions");
                continue; // warm-up
            }
            Add("Procedures by patient", Stopwatch.GetElapsedTime(start, t1).TotalMilliseconds);
            Add("Observations by patient", Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
            Add("read JSON values", Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds);
            Add("trends", Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds);
            Add("Parameters + JSON", Stopwatch.GetElapsedTime(t4, t5).TotalMilliseconds);
            Add("PatientOutcomes.ReadAsync", Stopwatch.GetElapsedTime(t5, t6).TotalMilliseconds);
        }
        foreach (var (name, list) in stages)
        {
            var sorted = list.Order().ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: median {sorted[sorted.Length / 2]:F2} ms, range {sorted[0]:F2}-{sorted[^1]:F2}"));
        }
        await ((IAsyncDisposable)store).DisposeAsync();
    }
}
