using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Targets;

namespace StmFhir.Benchmarks.Exchange;

/// <summary>
/// The push comparison of <see cref="PushBenchmarks"/> as alternating rounds in one process, for a machine shared with
/// other builds: every round runs each case once (in a rotating order, so none always goes first) over all 15 sample
/// sessions, and the ratio of a case is taken per round against the straight post of the same round. Prints medians.
/// The last case is the whole push path of the gateway: the sessions are stored first (not timed), then the outbox
/// dispatcher claims the rows, builds their Bundles from the store, delivers them and records the results. The
/// literal-ras-2 cases are the default deliverer and dispatcher with <c>Compatibility:LiteralRas2 = On</c>.
/// Run: <c>dotnet run -c Release --project tests/StmFhir.Benchmarks -- push [rounds]</c>.
/// </summary>
internal static class PushProbe
{
    public static int Run(int rounds)
    {
        using var setup = new PushSetup();
        Func<string, Task> nothing = _ => Task.CompletedTask;
        var cases = new List<(string Name, Func<string, Task> Prepare, Func<string, Task<int>> Run)>
        {
            ("straight POST, one batch per Bundle", nothing, setup.PostStraightAsync),
            ("straight POST pre-split (people batch + PUT tx)", nothing, setup.PostPreSplitAsync),
            ("deliverer, one Bundle per call", nothing, mode => setup.DeliverAllAsync(setup.Deliverer, mode)),
            ("deliverer, one per call, no version reads", nothing, mode => setup.DeliverAllAsync(setup.DelivererWithoutReads, mode)),
            ("deliverer, one per call, NewAtTarget (New only)", nothing, mode => setup.DeliverAllAsync(setup.Deliverer, mode, newAtTarget: true)),
            ("deliverer, 15 Bundles per call (DeliverAllAsync)", nothing, mode => setup.DeliverGroupAsync(setup.Deliverer, mode)),
            ("deliverer, one per call, literal-ras-2 form on", nothing, mode => setup.DeliverAllAsync(setup.DelivererLiteralRas2, mode)),
            ("dispatcher: claim, build from store, deliver, record", mode => setup.CommitAsync(mode), setup.DispatchAsync),
            ("dispatcher, literal-ras-2 form on", mode => setup.CommitAsync(mode, "-ras2"), setup.DispatchLiteralRas2Async),
        };
        foreach (var mode in new[] { "New", "Repeat" })
        {
            // Warm-up: JIT, connections, and for Repeat the sessions' first delivery.
            for (var w = 0; w < 3; w++)
            {
                foreach (var (_, prepare, run) in cases)
                {
                    prepare(mode).GetAwaiter().GetResult();
                    run(mode).GetAwaiter().GetResult();
                }
            }
            var times = cases.Select(_ => new List<double>()).ToList();
            var arrived = new int[cases.Count];
            for (var r = 0; r < rounds; r++)
            {
                for (var k = 0; k < cases.Count; k++)
                {
                    var c = (k + r) % cases.Count;
                    cases[c].Prepare(mode).GetAwaiter().GetResult();
                    // No case pays for the garbage of the one before (the dispatcher's preparation stores 15 sessions).
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    var clock = Stopwatch.StartNew();
                    arrived[c] += cases[c].Run(mode).GetAwaiter().GetResult();
                    times[c].Add(clock.Elapsed.TotalMilliseconds);
                }
            }
            Console.WriteLine($"{mode} sessions: 15 sample sessions per round, {rounds} rounds; median ms (min-max), median per-round ratio straight/case (min-max)");
            for (var c = 0; c < cases.Count; c++)
            {
                if (arrived[c] == 0)
                {
                    // The dispatcher has nothing to do when the same sessions are stored again (no new versions, no rows).
                    Console.WriteLine($"  {cases[c].Name,-52} (nothing to deliver)");
                    continue;
                }
                var ratios = times[c].Zip(times[0], (t, s) => s / t).ToList();
                Console.WriteLine($"  {cases[c].Name,-52} {Median(times[c]),7:F1} ms ({times[c].Min(),6:F1}-{times[c].Max(),6:F1})  x{Median(ratios):F2} ({ratios.Min():F2}-{ratios.Max():F2})");
            }
            // The form on against the same path with it off, round by round (above 1.00: the form costs nothing measurable).
            foreach (var (on, off) in new[] { (6, 2), (8, 7) })
            {
                if (arrived[on] > 0 && arrived[off] > 0)
                {
                    var paired = times[on].Zip(times[off], (t, o) => o / t).ToList();
                    Console.WriteLine($"  {cases[on].Name} vs off: median per-round ratio off/on x{Median(paired):F2} ({paired.Min():F2}-{paired.Max():F2})");
                }
            }
        }
        Console.WriteLine($"Making the literal-ras-2 form alone: {setup.LiteralRas2FormMicroseconds():F1} us per RiskAssessment (once per delivery of a session with a screening)");
        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
