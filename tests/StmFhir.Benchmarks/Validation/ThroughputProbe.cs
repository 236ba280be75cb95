using System.Diagnostics;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Conformance;

namespace StmFhir.Benchmarks.Validation;

/// <summary>
/// A quick complement to BenchmarkDotNet when other builds share the machine: best of several rounds, wall time and
/// process CPU time, for the bare Firely validator and the engine on every sample session Bundle.
/// Run: <c>dotnet run -c Release --project tests/StmFhir.Benchmarks -- throughput [rounds]</c>.
/// </summary>
internal static class ThroughputProbe
{
    public static int Run(int rounds)
    {
        var bundles = ValidationInputs.SessionBundles();
        var bare = new BareFirelyValidator(ValidationInputs.Profiles, new StmValidatorOptions().SpecificationZip,
            Path.Combine(StmValidatorOptions.DefaultCacheDirectory, "bench-bare-extract"));
        var engine = StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = ValidationInputs.Profiles });
        var allCores = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };

        // Interleaved rounds, best of each: neither side gets the other's JIT tiering or a quieter minute for free.
        var bareTime = (Wall: double.MaxValue, Cpu: double.MaxValue);
        var oneThread = bareTime;
        var parallel = bareTime;
        for (var i = 0; i < rounds; i++)
        {
            bareTime = Min(bareTime, Measure(1, () => { foreach (var b in bundles) { bare.ValidateRaw(b); } }));
            oneThread = Min(oneThread, Measure(1, () => { foreach (var b in bundles) { engine.Validate(b); } }));
            parallel = Min(parallel, Measure(1, () => Parallel.ForEach(bundles, allCores, b => engine.Validate(b))));
        }

        Console.WriteLine($"{bundles.Count} session Bundles, best of {rounds} rounds, GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, {Environment.ProcessorCount} cores");
        Print("bare Firely validator, 1 thread", bareTime, bundles.Count, bareTime);
        Print("StmFhir engine, 1 thread", oneThread, bundles.Count, bareTime);
        Print("StmFhir engine, all cores", parallel, bundles.Count, bareTime);
        return 0;
    }

    private static void Print(string name, (double Wall, double Cpu) time, int count, (double Wall, double Cpu) baseline) =>
        Console.WriteLine($"  {name,-32} {time.Wall,7:F0} ms wall ({count * 1000 / time.Wall,6:F1} bundles/s, x{baseline.Wall / time.Wall:F2}), {time.Cpu,7:F0} ms CPU (x{baseline.Cpu / time.Cpu:F2} less work)");

    private static (double Wall, double Cpu) Min((double Wall, double Cpu) a, (double Wall, double Cpu) b) =>
        (Math.Min(a.Wall, b.Wall), Math.Min(a.Cpu, b.Cpu));

    private static (double Wall, double Cpu) Measure(int rounds, Action action)
    {
        action();
        action();
        var process = Process.GetCurrentProcess();
        var best = (Wall: double.MaxValue, Cpu: double.MaxValue);
        for (var i = 0; i < rounds; i++)
        {
            process.Refresh();
            var cpu = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            action();
            process.Refresh();
            best = (Math.Min(best.Wall, clock.Elapsed.TotalMilliseconds), Math.Min(best.Cpu, (process.TotalProcessorTime - cpu).TotalMilliseconds));
        }
        return best;
    }
}
