using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation;

namespace StmFhir.Benchmarks.Validation;

/// <summary>
/// Managed memory the engine allocates per validated session Bundle, which is deterministic where CPU time on the
/// shared machine is not. Warms the engine up, then validates every sample Bundle once per round on one thread
/// and prints the median over rounds and Bundles of the bytes that thread allocated per Bundle, and the median over
/// rounds of process CPU per Bundle (GC included). With <c>fresh</c>, each round's Bundles are new sessions
/// (<see cref="FreshSessions"/>); with <c>types</c>, a sampled histogram of allocations by type (the runtime's
/// allocation tick, about one per 100 KB) over the measured rounds.
/// Run: <c>dotnet run -c Release --project tests/StmFhir.Benchmarks -- alloc [rounds] [fresh] [types]</c>.
/// </summary>
internal static class AllocProbe
{
    public static int Run(int rounds, bool fresh, bool types)
    {
        // On a pool thread the engine runs Firely inline (StmValidator.Validate), so this thread sees every allocation.
        return System.Threading.Tasks.Task.Run(() => Measure(rounds, fresh, types)).GetAwaiter().GetResult();
    }

    private static int Measure(int rounds, bool fresh, bool types)
    {
        var fixedBundles = ValidationInputs.SessionBundles();
        var freshSessions = new FreshSessions();
        IReadOnlyList<Bundle> Next() => fresh ? freshSessions.NextRound() : fixedBundles;
        var engine = StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = ValidationInputs.Profiles });
        for (var i = 0; i < 5; i++)
        {
            foreach (var bundle in Next())
            {
                engine.Validate(bundle);
            }
        }

        using var listener = types ? new AllocationTicks() : null;
        var bytes = new List<double>();
        var cpu = new List<double>();
        var issues = 0;
        var process = Process.GetCurrentProcess();
        for (var round = 0; round < rounds; round++)
        {
            var bundles = Next();
            process.Refresh();
            var start = process.TotalProcessorTime;
            foreach (var bundle in bundles)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                issues += engine.Validate(bundle).Issues.Count;
                bytes.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            }
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - start).TotalMilliseconds / bundles.Count);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{(fresh ? "new" : "sample")} session Bundles, {rounds} rounds: {Median(bytes) / 1e6:F3} MB allocated per Bundle (median; mean {bytes.Average() / 1e6:F3}, min {bytes.Min() / 1e6:F3}, max {bytes.Max() / 1e6:F3}), " +
            $"{Median(cpu):F2} ms CPU per Bundle (median of rounds; best {cpu.Min():F2}); {issues} issues"));
        listener?.Print(bytes.Count);
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The runtime's GCAllocationTick events, summed by type name.</summary>
    private sealed class AllocationTicks : EventListener
    {
        private readonly Dictionary<string, long> _bytes = new(StringComparer.Ordinal);

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || e.Payload is null)
            {
                return;
            }
            var name = e.PayloadNames!.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
            var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var a and >= 0 ? Convert.ToInt64(e.Payload[a], CultureInfo.InvariantCulture) : 100_000;
            lock (_bytes)
            {
                _bytes[name] = _bytes.GetValueOrDefault(name) + amount;
            }
        }

        public void Print(int bundles)
        {
            lock (_bytes)
            {
                var total = _bytes.Values.Sum();
                Console.WriteLine($"sampled allocations by type, {total / 1e6 / bundles:F2} MB per Bundle:");
                foreach (var (name, amount) in _bytes.OrderByDescending(p => p.Value).Take(30))
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {amount * 100.0 / total,5:F1}%  {amount / 1e3 / bundles,8:F0} KB  {name}"));
                }
            }
        }
    }
}
