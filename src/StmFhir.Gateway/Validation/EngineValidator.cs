using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Core.Validation;
using StmFhir.Gateway.Fhir;

namespace StmFhir.Gateway.Validation;

/// <summary>
/// The validation engine (<see cref="StmValidator"/>, all four layers) behind the gateway's seam. The engine takes seconds
/// to build (core definitions, profile snapshots) and its first validations compile schemas, so it is built and
/// warmed up in the background from start: the gateway listens at once, <c>/readyz</c> says 503 until the engine is warm,
/// and a request that arrives earlier waits for it rather than being refused.
/// </summary>
internal sealed class EngineValidator : IResourceValidator, IDisposable
{
    private readonly Task<IFhirValidator> _engine;
    private readonly SemaphoreSlim _slots;
    private volatile bool _warm;

    /// <param name="profilesDirectory">The profiles folder; null validates against core R4 only.</param>
    /// <param name="logger">Logs the build and warm-up (never resource content).</param>
    /// <param name="maxConcurrent">
    /// Validations run at once; more wait their turn. Firely blocks its threads and each validation is CPU-bound, so
    /// more than one per core only adds contention and pooled validators (VALIDATION.md). 0 means one per core.
    /// </param>
    /// <param name="fastPath">Whether the engine skips values that passed before (<see cref="StmValidatorOptions.FastPath"/>).</param>
    /// <param name="warmUpTime">
    /// How long to keep validating made-up sessions before saying ready, on every core: long enough for the JIT to
    /// optimize the hot paths, which otherwise made the first ~20 s of load slow (docs/perf/2026-11-27-gateway-load-run.md). Zero: one validation.
    /// </param>
    /// <param name="timeBudget">
    /// The longest one validation may take (<see cref="StmValidatorOptions.TimeBudget"/>): beyond it the walk stops and
    /// the verdict holds an error issue, so no input keeps a validation slot; null for no limit.
    /// </param>
    public EngineValidator(string? profilesDirectory, ILogger<EngineValidator> logger, int maxConcurrent = 0, bool fastPath = true,
        TimeSpan warmUpTime = default, TimeSpan? timeBudget = null)
    {
        var slots = maxConcurrent > 0 ? maxConcurrent : Environment.ProcessorCount;
        _slots = new SemaphoreSlim(slots, slots);
        _engine = System.Threading.Tasks.Task.Run(() => Build(new StmValidatorOptions
        {
            ProfilesDirectory = profilesDirectory,
            FastPath = fastPath,
            TimeBudget = timeBudget,
            CacheProgress = message => logger.LogInformation("{CacheProgress}", message),
        }, logger));
        _ = _engine.ContinueWith(t =>
        {
            if (!t.IsCompletedSuccessfully)
            {
                // By type only: exception messages may quote data.
                logger.LogError("The validation engine failed to build ({ExceptionType}); every validation will fail", t.Exception?.GetBaseException().GetType().FullName);
                return;
            }
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            WarmUpValidations = WarmUp(t.Result, warmUpTime);
            _warm = true;
            logger.LogInformation("Validation engine warm after {ElapsedMs:0} ms and {ValidationCount} validations",
                System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, WarmUpValidations);
        }, TaskScheduler.Default);
    }

    public bool IsReady => _warm;

    /// <summary>How many made-up sessions the warm-up validated (set once ready).</summary>
    internal int WarmUpValidations { get; private set; }

    public async Task<ValidationVerdict> ValidateAsync(Resource resource, string? profile = null, CancellationToken cancellationToken = default)
    {
        var engine = await _engine.WaitAsync(cancellationToken).ConfigureAwait(false);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The token reaches Firely's walk (WalkGuard): a client that goes away frees its slot at once.
            var report = engine.Validate(resource, profile, cancellationToken);
            return new ValidationVerdict(report.IsValid, report.ToOperationOutcome());
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();

    private static IFhirValidator Build(StmValidatorOptions options, ILogger logger)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var engine = StmValidator.Create(options);
        logger.LogInformation("Validation engine built in {ElapsedMs:0} ms from {ProfilesDirectory}, {ProfileIssueCount} profile issues, fast path {FastPath}, time budget {TimeBudget}",
            System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, options.ProfilesDirectory, engine.ProfileIssues.Count,
            options.FastPath ? "on" : "off", options.TimeBudget?.ToString() ?? "none");
        return engine;
    }

    /// <summary>
    /// Validates made-up sessions: one first (compiling the schemas), then, for <paramref name="time"/>, as many as every
    /// core can, each with its own ids as a new session has, so the paths a new session takes are the ones warmed.
    /// After the first, each goes the way of a <c>$validate</c> too: written as FHIR JSON, read back as
    /// <see cref="FhirInput"/> reads a request, and its outcome written as the answer is. Without that, a gateway
    /// warmed by intake ran its first ~1,000 <c>$validate</c>s (1.5 s) at three quarters of the rate that followed,
    /// reading them with code the JIT had not optimized yet (docs/perf/2026-11-27-validation-present-children.md).
    /// </summary>
    /// <returns>How many were validated.</returns>
    private static int WarmUp(IFhirValidator engine, TimeSpan time)
    {
        engine.Validate(WarmUpBundle());
        var count = 1;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        System.Threading.Tasks.Parallel.For(0, Environment.ProcessorCount, _ =>
        {
            while (clock.Elapsed < time)
            {
                var json = System.Text.Encoding.UTF8.GetBytes(FhirJsonResult.Serialize(WarmUpBundle(Interlocked.Increment(ref count))));
                var read = FhirInput.Parse(json).Resource ?? throw new InvalidOperationException("The warm-up Bundle does not read back");
                FhirJsonResult.Serialize(engine.Validate(read).ToOperationOutcome());
            }
        });
        return count;
    }

    /// <summary>A made-up session touching every profile, so the schemas are compiled before the first real request.</summary>
    internal static Bundle WarmUpBundle(int number = 0) =>
        StmBundleMapper.ToBundle(StmSessionReader.Read(WarmUpSession.Replace("\"sessionId\":\"warm-up\"", $"\"sessionId\":\"warm-up-{number}\"", StringComparison.Ordinal)).Session
            ?? throw new InvalidOperationException("The warm-up session does not read"));

    private const string WarmUpSession = """
        {"sourceSystem":"urn:stmfhir:warm-up","sessionId":"warm-up",
         "patient":{"identifier":{"system":"urn:stmfhir:warm-up","value":"p"},"name":{"family":"WarmUp"},"birthDate":"1980-01-01","sex":"unknown"},
         "clinician":{"identifier":{"system":"urn:stmfhir:warm-up","value":"c"},"name":{"family":"WarmUp"}},
         "status":"completed","start":"2024-01-08T09:00:00Z","end":"2024-01-08T09:20:00Z",
         "technique":"instrument-assisted","instrument":{"name":"GT-1","toolSystem":"graston"},"lubricant":"emollient",
         "pressure":"moderate","strokeRhythm":"rhythmic","strokes":["sweep"],
         "regions":[{"site":"elbow","laterality":"right","minutes":10}],
         "indications":[{"snomed":"202855006","icd10cm":"M77.11","text":"Lateral epicondylitis"}],
         "painScores":[{"score":5,"timing":"pre","site":"elbow","laterality":"right","takenAt":"2024-01-08T08:55:00Z"}],
         "romMeasurements":[{"joint":"elbow","movement":"flexion","mode":"active","side":"right","degrees":130,"timing":"pre","method":"goniometer","takenAt":"2024-01-08T08:56:00Z"}],
         "screening":{"performedAt":"2024-01-08T08:50:00Z","result":"precautions",
           "findings":[{"kind":"precaution","code":{"snomed":"711150003","text":"Long-term anticoagulant"}}],
           "medications":[{"name":"warfarin"}],"predictions":[{"outcome":"petechiae","risk":"low"}]}}
        """;
}
