using System.Diagnostics;
using StmFhir.Benchmarks.Validation;
using StmFhir.Exchange;
using StmFhir.Exchange.Store;

namespace StmFhir.Benchmarks.Storage;

/// <summary>
/// The SQLite store's commit path under the gateway's load (16 concurrent writers), without HTTP or validation: each
/// way of writing (<see cref="SqliteWriting"/>) gets its own store, filled with the same number of new sessions first,
/// then rounds alternate between them, so no side gets a quieter minute or a smaller file for free. The baseline is how
/// the store wrote before (<see cref="SqliteWriting.OneByOne"/>). Prints per side the median commits/s and process CPU
/// per commit, commit latency (median p50 and p99 of the rounds, and the worst round's p99), and the median of the
/// per-round ratios to the baseline.
/// Run: <c>dotnet run -c Release --project tests/StmFhir.Benchmarks -- store [rounds] [sessions-per-round]</c>.
/// </summary>
internal static class StoreProbe
{
    private const int Writers = 16;

    public static async Task<int> RunAsync(int rounds, int perRound)
    {
        var sides = new (string Name, SqliteWriting Writing)[]
        {
            ("one by one (before)", SqliteWriting.OneByOne),
            ("kept writer, no groups", SqliteWriting.Default with { GroupCommits = false }),
            ("groups, pooled, SQLite's cache and WAL", SqliteWriting.OneByOne with { GroupCommits = true }),
            ("default (all)", SqliteWriting.Default),
            ("default, checkpoint in the commit", SqliteWriting.Default with { CheckpointInBackground = false }),
        };
        var root = Directory.CreateTempSubdirectory("stmfhir-store-probe-");
        var fresh = new FreshSessions();
        var stores = sides.Select((s, i) => ResourceStores.Create(
            new SqliteDialect(Path.Combine(root.FullName, $"side{i}.db"), synchronousFull: true, s.Writing), TimeProvider.System, ["default"])).ToList();
        try
        {
            foreach (var store in stores)
            {
                await store.InitializeAsync();
            }
            // Warm-up: JIT, and a file of some size (an index on random ids only costs once it is bigger than the cache).
            for (var i = 0; i < 4; i++)
            {
                foreach (var store in stores)
                {
                    await CommitAllAsync(store, NewChangeSets(fresh, perRound));
                }
            }
            var results = sides.Select(_ => new List<(double PerSecond, double CpuMs, double P50, double P99)>()).ToList();
            for (var round = 0; round < rounds; round++)
            {
                for (var side = 0; side < sides.Length; side++)
                {
                    var sets = NewChangeSets(fresh, perRound);
                    results[side].Add(await CommitAllAsync(stores[side], sets));
                }
            }
            Console.WriteLine($"{perRound} new sessions per round, {Writers} concurrent writers, {rounds} alternating rounds, synchronous=FULL; medians");
            for (var side = 0; side < sides.Length; side++)
            {
                var speedup = Median(results[side].Zip(results[0], (s, b) => s.PerSecond / b.PerSecond));
                var lessCpu = Median(results[side].Zip(results[0], (s, b) => b.CpuMs / s.CpuMs));
                Console.WriteLine(FormattableString.Invariant(
                    $"  {sides[side].Name,-40} {Median(results[side].Select(r => r.PerSecond)),7:F0} commits/s x{speedup:F2}; {Median(results[side].Select(r => r.CpuMs)),5:F2} ms CPU per commit, x{lessCpu:F2} less; latency p50 {Median(results[side].Select(r => r.P50)),5:F1} ms, p99 {Median(results[side].Select(r => r.P99)),5:F1} ms (worst round {results[side].Max(r => r.P99),5:F1})"));
            }
            return 0;
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
            root.Delete(recursive: true);
        }
    }

    private static List<ChangeSet> NewChangeSets(FreshSessions fresh, int count)
    {
        var sets = new List<ChangeSet>(count);
        while (sets.Count < count)
        {
            sets.AddRange(fresh.NextRound().Take(count - sets.Count).Select(b => TransactionBundles.ToChangeSet(b, "stm-session")));
        }
        return sets;
    }

    private static async Task<(double PerSecond, double CpuMs, double P50, double P99)> CommitAllAsync(SqlResourceStore store, List<ChangeSet> sets)
    {
        var next = -1;
        var latencies = new double[sets.Count];
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < sets.Count)
            {
                var started = Stopwatch.GetTimestamp();
                await store.CommitAsync(sets[i]);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        Array.Sort(latencies);
        return (sets.Count / seconds, cpuMs / sets.Count, latencies[latencies.Length / 2], latencies[(int)Math.Ceiling(latencies.Length * 0.99) - 1]);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
