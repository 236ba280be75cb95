using System.Diagnostics;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Core.Validation;
using StmFhir.Exchange;
using StmFhir.Exchange.Pull;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Store;
using StmFhir.Exchange.Targets;

namespace StmFhir.Benchmarks.Exchange;

/// <summary>
/// What validating pulled sessions costs a pull: the peer (validation off) holds copies of the 15 sample sessions; each
/// round pulls them all into a fresh SQLite store ("new": every session created) and then again from the start into the
/// same store ("again": every session unchanged), once with the engine (as the gateway pulls) and once with no
/// validation at all, the baseline (a measuring stand-in, not a product setting: pull always validates). Cases alternate
/// in rotating order; prints medians and ranges, and the per-round ratio baseline/validated.
/// Run: <c>dotnet run -c Release --project tests/StmFhir.Benchmarks -- pull [rounds] [copies]</c>.
/// </summary>
internal static class PullProbe
{
    public static int Run(int rounds, int copies)
    {
        using var peer = PeerProcess.Start();
        peer.Configure("""{"validate":false}""");
        var engine = StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = RepoFiles.Root + "/profiles" });
        var sessions = Directory.GetFiles(RepoFiles.Samples("sessions"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => StmSessionReader.Read(File.ReadAllBytes(f)).Session!).ToList();
        var target = new FhirTargetOptions { Name = "peer", BaseUrl = peer.BaseUrl };
        using (var services = new ServiceCollection().AddFhirExchange(new ExchangeOptions { Targets = [target] }).BuildServiceProvider())
        {
            var deliverer = services.GetRequiredService<IFhirDeliverer>();
            for (var copy = 0; copy < copies; copy++)
            {
                foreach (var session in sessions)
                {
                    var result = deliverer.DeliverAsync(new DeliveryRequest("peer", StmBundleMapper.ToBundle(session with { SessionId = $"{session.SessionId}-P{copy}" })))
                        .GetAwaiter().GetResult();
                    _ = result.Succeeded ? 0 : throw new InvalidOperationException(result.Failure!.Message);
                }
            }
        }
        var cases = new (string Name, IPullValidator Validator)[] { ("engine", new EngineOnly(engine)), ("none", new NoValidation()) };
        var times = cases.ToDictionary(c => c.Name, _ => (New: new List<double>(), Again: new List<double>()));
        for (var r = -2; r < rounds; r++)
        {
            for (var k = 0; k < cases.Length; k++)
            {
                var (name, validator) = cases[(k + Math.Max(r, 0)) % cases.Length];
                var (created, unchanged) = PullTwice(target, validator, out var first, out var again);
                if (created != sessions.Count * copies || unchanged != sessions.Count * copies)
                {
                    throw new InvalidOperationException($"{name}: {created} created, {unchanged} unchanged of {sessions.Count * copies}");
                }
                if (r >= 0)
                {
                    times[name].New.Add(first);
                    times[name].Again.Add(again);
                }
            }
        }
        Console.WriteLine($"Pull of {sessions.Count * copies} sessions from the peer into SQLite, {rounds} rounds: median ms (min-max), ms per session");
        foreach (var (name, (fresh, again)) in times)
        {
            Console.WriteLine($"  {name,-7} new   {Median(fresh),8:F0} ({fresh.Min():F0}-{fresh.Max():F0})  {Median(fresh) / (sessions.Count * copies),6:F2}/session");
            Console.WriteLine($"  {name,-7} again {Median(again),8:F0} ({again.Min():F0}-{again.Max():F0})  {Median(again) / (sessions.Count * copies),6:F2}/session");
        }
        var ratioNew = times["none"].New.Zip(times["engine"].New, (n, e) => n / e).ToList();
        var ratioAgain = times["none"].Again.Zip(times["engine"].Again, (n, e) => n / e).ToList();
        Console.WriteLine($"  ratio none/engine per round: new x{Median(ratioNew):F2} ({ratioNew.Min():F2}-{ratioNew.Max():F2}), again x{Median(ratioAgain):F2} ({ratioAgain.Min():F2}-{ratioAgain.Max():F2})");
        return 0;
    }

    private static (int Created, int Unchanged) PullTwice(FhirTargetOptions target, IPullValidator validator, out double first, out double again)
    {
        var folder = Path.Combine(Path.GetTempPath(), "stmfhir-pullprobe-" + Guid.NewGuid().ToString("N"));
        var store = ResourceStores.Create(new StorageOptions { DataDirectory = folder }, TimeProvider.System);
        try
        {
            store.InitializeAsync().GetAwaiter().GetResult();
            using var services = new ServiceCollection().AddLogging().AddSingleton(store).AddSingleton(validator)
                .AddFhirExchange(new ExchangeOptions { Targets = [target] }).AddFhirPull().BuildServiceProvider();
            var puller = services.GetRequiredService<IFhirPuller>();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var clock = Stopwatch.StartNew();
            var created = puller.PullAsync(new PullRequest("peer")).GetAwaiter().GetResult().Counts.Created;
            first = clock.Elapsed.TotalMilliseconds;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            clock.Restart();
            var unchanged = puller.PullAsync(new PullRequest("peer") { Since = DateTimeOffset.UnixEpoch }).GetAwaiter().GetResult().Counts.Unchanged;
            again = clock.Elapsed.TotalMilliseconds;
            return (created, unchanged);
        }
        finally
        {
            ((IAsyncDisposable)store).DisposeAsync().AsTask().GetAwaiter().GetResult();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The engine as <c>stmfhir pull</c> uses it, one shared instance.</summary>
    private sealed class EngineOnly(IFhirValidator engine) : IPullValidator
    {
        public Task<ValidationReport> ValidateAsync(Bundle session, CancellationToken cancellationToken = default) =>
            System.Threading.Tasks.Task.FromResult(engine.Validate(session, cancellationToken: cancellationToken));
    }

    /// <summary>The baseline: every session passes unexamined.</summary>
    private sealed class NoValidation : IPullValidator
    {
        public Task<ValidationReport> ValidateAsync(Bundle session, CancellationToken cancellationToken = default) =>
            System.Threading.Tasks.Task.FromResult(new ValidationReport([]));
    }
}
