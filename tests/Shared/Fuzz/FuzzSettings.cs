using System.Globalization;

namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>
/// How a fuzz run is sized and judged, from environment variables so that the same test runs bounded in CI and long on
/// demand: <c>STMFHIR_FUZZ_CASES</c> (cases), <c>STMFHIR_FUZZ_SEED</c> (replays a run; a case id <c>seed:index</c> replays
/// one case with <c>STMFHIR_FUZZ_CASE</c>), <c>STMFHIR_FUZZ_KINDS</c> (comma list of mutation kinds to draw from),
/// <c>STMFHIR_FUZZ_BUDGET_SECONDS</c> (per request or engine call), <c>STMFHIR_FUZZ_MAX_RSS_MB</c> (peak resident
/// memory of the gateway), <c>STMFHIR_FUZZ_PARALLEL</c> (requests in flight), <c>STMFHIR_FUZZ_MAX_FAILURES</c> (stop after) and <c>STMFHIR_FUZZ_OUT</c> (where failing
/// cases are saved).
/// </summary>
internal sealed record FuzzSettings
{
    /// <summary>The seed of a run when none is given: fixed, so a CI failure replays as is.</summary>
    public const int DefaultSeed = 20_260_312;

    public int Cases { get; init; }

    public int Seed { get; init; } = DefaultSeed;

    /// <summary>Only this case index (from a case id <c>seed:index</c>), for replaying one failure; null runs all.</summary>
    public int? OnlyCase { get; init; }

    /// <summary>Mutation kinds to draw from (<see cref="FuzzKinds.All"/> when empty).</summary>
    public IReadOnlyList<string> Kinds { get; init; } = FuzzKinds.All;

    /// <summary>Longest a single request (or engine call) may take. The default is 10 s.</summary>
    public TimeSpan Budget { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The gateway's body limit (its default, <c>Fhir:MaxRequestBodyBytes</c>): a larger body may be refused with 413
    /// before it is read and the connection closed while the client still sends, which is not a failure.
    /// </summary>
    public long GatewayBodyLimit { get; init; } = 5 * 1024 * 1024;

    /// <summary>
    /// The gateway's validation time budget the runs configure (<c>Fhir:ValidationTimeBudget</c>), well under
    /// <see cref="Budget"/> so that a validation stopped by it still answers within the request budget.
    /// </summary>
    public const string ValidationTimeBudgetVariable = "Fhir__ValidationTimeBudget";

    /// <summary>The value given to <see cref="ValidationTimeBudgetVariable"/>: 5 s.</summary>
    public const string ValidationTimeBudget = "00:00:05";

    /// <summary>The same budget for an engine run in-process (<see cref="ValidationTimeBudget"/>).</summary>
    public static readonly TimeSpan EngineTimeBudget = TimeSpan.Parse(ValidationTimeBudget, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Peak resident memory (VmHWM) over which a run fails: 1 GB. The bounded CI run peaks near 0.55 GB; longer runs
    /// have reached 1.1-1.2 GB (2,000 cases), which is still open work.
    /// </summary>
    public long MaxRssBytes { get; init; } = 1024L * 1024 * 1024;

    /// <summary>Requests in flight at once. The default is 2 (the validation slots of a 2-core machine).</summary>
    public int Parallel { get; init; } = 2;

    /// <summary>Failing cases are written below this folder. The default is a temp folder per run.</summary>
    public string OutputDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "stmfhir-fuzz");

    /// <summary>
    /// A run stops starting cases after this many failures (a broken build would otherwise spend the budget on every
    /// request). The default is 40; <c>STMFHIR_FUZZ_MAX_FAILURES</c> changes it.
    /// </summary>
    public int MaxFailures { get; init; } = 40;

    /// <summary>
    /// The HTTP run gives up after restarting the gateway this often (each restart costs seconds). The default is 25;
    /// <c>STMFHIR_FUZZ_MAX_RESTARTS</c> changes it.
    /// </summary>
    public int MaxRestarts { get; init; } = 25;

    /// <summary>How many distinct failure signatures are minimized (each costs requests); the rest are saved as found.</summary>
    public int MinimizeSignatures { get; init; } = 6;

    /// <summary>The settings with <paramref name="defaultCases"/> unless <c>STMFHIR_FUZZ_CASES</c> says otherwise.</summary>
    public static FuzzSettings FromEnvironment(int defaultCases)
    {
        var settings = new FuzzSettings { Cases = Int("STMFHIR_FUZZ_CASES") ?? defaultCases };
        if (Int("STMFHIR_FUZZ_SEED") is { } seed)
        {
            settings = settings with { Seed = seed };
        }
        if (Environment.GetEnvironmentVariable("STMFHIR_FUZZ_CASE") is { Length: > 0 } id)
        {
            var parts = id.Split(':');
            settings = settings with
            {
                Seed = int.Parse(parts[0], CultureInfo.InvariantCulture),
                OnlyCase = int.Parse(parts[1], CultureInfo.InvariantCulture),
            };
        }
        if (Environment.GetEnvironmentVariable("STMFHIR_FUZZ_KINDS") is { Length: > 0 } kinds)
        {
            settings = settings with { Kinds = FuzzKinds.Parse(kinds) };
        }
        if (Int("STMFHIR_FUZZ_BUDGET_SECONDS") is { } budget)
        {
            settings = settings with { Budget = TimeSpan.FromSeconds(budget) };
        }
        if (Int("STMFHIR_FUZZ_MAX_RSS_MB") is { } rss)
        {
            settings = settings with { MaxRssBytes = rss * 1024L * 1024 };
        }
        if (Int("STMFHIR_FUZZ_PARALLEL") is { } parallel)
        {
            settings = settings with { Parallel = Math.Max(1, parallel) };
        }
        if (Int("STMFHIR_FUZZ_MAX_FAILURES") is { } maxFailures)
        {
            settings = settings with { MaxFailures = maxFailures };
        }
        if (Int("STMFHIR_FUZZ_MAX_RESTARTS") is { } maxRestarts)
        {
            settings = settings with { MaxRestarts = maxRestarts };
        }
        if (Environment.GetEnvironmentVariable("STMFHIR_FUZZ_OUT") is { Length: > 0 } output)
        {
            settings = settings with { OutputDirectory = output };
        }
        return settings;
    }

    /// <summary>The case indexes this run sends.</summary>
    public IEnumerable<int> CaseIndexes() => OnlyCase is { } only ? [only] : Enumerable.Range(0, Cases);

    /// <summary>How to run this again, for failure messages.</summary>
    public string ReplayHint(string caseId) =>
        $"replay: STMFHIR_FUZZ_CASE={caseId}{(Kinds.Count == FuzzKinds.All.Count ? "" : " STMFHIR_FUZZ_KINDS=" + string.Join(',', Kinds))}";

    private static int? Int(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;
}
