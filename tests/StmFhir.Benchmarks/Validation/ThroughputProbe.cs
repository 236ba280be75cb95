using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Engine;

namespace StmFhir.Benchmarks.Validation;

/// <summary>
/// A quick complement to BenchmarkDotNet when other builds share the machine: rounds alternate the bare Firely
/// validator and the engine (1 thread, all cores) on every sample session Bundle, so neither side gets the other's JIT
/// tiering or a quieter minute for free. Prints the median and the best of the rounds, wall and process CPU time, and
/// the median of the per-round ratios (each engine round against the bare round just before it).
/// Run: <c>dotnet run -c Release --project tests/StmFhir.Benchmarks -- throughput [rounds] [fresh]</c>. With <c>fresh</c>,
/// every round validates sessions none of the validators has seen (<see cref="FreshSessions"/>), so the engine's fast
/// path only gains from values that really repeat (codes, units, statuses); without it, the same sample Bundles each
/// round, which is its best case.
/// </summary>
internal static class ThroughputProbe
{
    public static int Run(int rounds, bool fresh = false)
    {
        var fixedBundles = ValidationInputs.SessionBundles();
        var freshSessions = new FreshSessions();
        IReadOnlyList<Bundle> bundles = fixedBundles;
        IReadOnlyList<Bundle> Next() => fresh ? freshSessions.NextRound() : fixedBundles;
        var bare = new BareFirelyValidator(ValidationInputs.Profiles, new StmValidatorOptions().SpecificationZip,
            Path.Combine(StmValidatorOptions.DefaultCacheDirectory, "bench-bare-extract"));
        var engine = StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = ValidationInputs.Profiles });
        var allCores = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };

        Action bareRound = () => { foreach (var b in bundles) { bare.ValidateRaw(b); } };
        Action oneThreadRound = () => { foreach (var b in bundles) { engine.Validate(b); } };
        // One Bundle at a time to whichever thread is free, as a server takes requests: Parallel.ForEach over a list
        // otherwise splits it into fixed ranges, and Bundles of 6-19 entries leave one core idle at the end.
        Action parallelRound = () => Parallel.ForEach(Partitioner.Create(bundles, EnumerablePartitionerOptions.NoBuffering), allCores, b => engine.Validate(b));
        foreach (var warmUp in new[] { bareRound, oneThreadRound, parallelRound, bareRound, oneThreadRound, parallelRound })
        {
            bundles = Next();
            warmUp();
        }

        var bareTimes = new List<(double Wall, double Cpu, long Bytes)>();
        var oneThread = new List<(double Wall, double Cpu, long Bytes)>();
        var parallel = new List<(double Wall, double Cpu, long Bytes)>();
        for (var i = 0; i < rounds; i++)
        {
            // Each side gets its own new sessions (made before the clock starts), so none meets values another side
            // validated in that round.
            bundles = Next();
            bareTimes.Add(Measure(bareRound));
            bundles = Next();
            oneThread.Add(Measure(oneThreadRound));
            bundles = Next();
            parallel.Add(Measure(parallelRound));
        }

        Console.WriteLine($"{bundles.Count} {(fresh ? "new" : "sample")} session Bundles per round, {rounds} alternating rounds, GC {(GCSettings.IsServerGC ? "server" : "workstation")}" +
            $" ({GCSettings.LatencyMode}), {Environment.ProcessorCount} cores; median (best) per round");
        Print("bare Firely validator, 1 thread", bareTimes, bareTimes, bundles.Count);
        Print("StmFhir engine, 1 thread", oneThread, bareTimes, bundles.Count);
        Print("StmFhir engine, all cores", parallel, bareTimes, bundles.Count);
        return 0;
    }

    private static void Print(string name, List<(double Wall, double Cpu, long Bytes)> times, List<(double Wall, double Cpu, long Bytes)> baseline, int count)
    {
        var wall = Median(times.Select(t => t.Wall));
        var cpu = Median(times.Select(t => t.Cpu));
        var ratio = Median(times.Zip(baseline, (t, b) => b.Wall / t.Wall));
        var cpuRatio = Median(times.Zip(baseline, (t, b) => b.Cpu / t.Cpu));
        var mb = Median(times.Select(t => (double)t.Bytes)) / count / (1024 * 1024);
        Console.WriteLine($"  {name,-32} {wall,7:F0} ms wall ({times.Min(t => t.Wall),5:F0}), {count * 1000 / wall,6:F1} bundles/s, x{ratio:F2};" +
            $" {cpu,6:F0} ms CPU ({times.Min(t => t.Cpu),5:F0}), x{cpuRatio:F2} less work; {mb,5:F1} MB/Bundle");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static (double Wall, double Cpu, long Bytes) Measure(Action action)
    {
        var process = Process.GetCurrentProcess();
        var bytes = GC.GetTotalAllocatedBytes(precise: false);
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        action();
        var wall = clock.Elapsed.TotalMilliseconds;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu).TotalMilliseconds, GC.GetTotalAllocatedBytes(precise: false) - bytes);
    }
}
