using System.Collections.Concurrent;
using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Terminology;
using StmFhir.Core.Terminology;
using StmFhir.Core.Validation.Clinical;
using StmFhir.Core.Validation.Bounds;
using StmFhir.Core.Validation.Definitions;
using StmFhir.Core.Validation.Engine;
using StmFhir.Core.Validation.FastPath;
using StmFhir.Core.Validation.Input;

namespace StmFhir.Core.Validation;

/// <summary>
/// The StmFhir validation engine, in four layers: structure and core invariants, the StmFhir profiles, terminology
/// (offline, against the ValueSets in profiles/), and the STM clinical rules across a Bundle. Build one per process
/// (<see cref="Create"/> does all the expensive work once) and share it: it is thread-safe.
/// </summary>
/// <remarks>
/// Callers validating in parallel should use about one thread per core (e.g. <c>MaxDegreeOfParallelism =
/// Environment.ProcessorCount</c>): the Firely validator blocks its thread on work it queues to the thread pool, so
/// unbounded parallelism only adds blocked threads.
/// What makes it fast: conformance resources, compiled schemas and terminology answers are shared by all threads
/// (each made once, under a lock); Firely validators, which are not thread-safe, are pooled, one per concurrent
/// caller; profile snapshots are generated before the first validation; core definitions come from a split,
/// indexed copy of specification.zip (<see cref="CoreDefinitions"/>); element values that passed a context-free
/// datatype schema or a binding with no issue are remembered and not walked again, and slice discriminators,
/// repetition checks and the commonest core invariants are not worked out again on every run
/// (<see cref="StmValidatorOptions.FastPath"/>).
/// </remarks>
public sealed class StmValidator : IFhirValidator
{
    private readonly ConformanceResolver _resolver;
    private readonly SharedSchemaResolver _schemas;
    private readonly MemoizingTerminologyService _terminology;
    private readonly ConcurrentBag<Validator> _pool = [];

    private readonly TimeSpan? _timeBudget;
    private readonly TimeProvider _timeProvider;

    private StmValidator(ConformanceResolver resolver, IReadOnlyList<ValidationIssue> profileIssues, StmValidatorOptions options)
    {
        _resolver = resolver;
        CleanValues = options.FastPath ? new CleanElementMemo() : null;
        _schemas = new SharedSchemaResolver(resolver, CleanValues, IsExtensionDefinition);
        _terminology = new MemoizingTerminologyService(new LocalTerminologyService(resolver, FirelySettings.ExpanderSettings()));
        ProfileIssues = profileIssues;
        _timeBudget = options.TimeBudget;
        _timeProvider = options.TimeProvider;
    }

    /// <summary>Problems found while loading the profiles and generating their snapshots; empty when all is well.</summary>
    public IReadOnlyList<ValidationIssue> ProfileIssues { get; }

    /// <summary>The element values known to pass their datatype or binding with no issue; null when the fast path is off.</summary>
    internal CleanElementMemo? CleanValues { get; }

    /// <summary>The compiled (and, with the fast path, rewritten) schemas every pooled validator shares.</summary>
    internal SharedSchemaResolver Schemas => _schemas;

    /// <summary>The canonical URLs of the StructureDefinitions in the profiles folder.</summary>
    public IEnumerable<string> ProfileUrls => _resolver.Local.Values.OfType<StructureDefinition>().Select(sd => sd.Url!);

    /// <summary>Loads the core definitions and the profiles and generates every snapshot; takes a while, do it once.</summary>
    public static StmValidator Create(StmValidatorOptions? options = null)
    {
        options ??= new StmValidatorOptions();
        var cache = options.CacheDirectory;
        var core = CoreDefinitions.Open(options.SpecificationZip, cache, options.CacheProgress);
        var profiles = options.ProfilesDirectory is null ? ProfileSet.Empty : ProfileSet.Load(options.ProfilesDirectory, core, cache, options.CacheProgress);
        if (options.TimeBudget is { } budget && (budget < TimeSpan.FromMilliseconds(1) || budget > TimeSpan.FromHours(1)))
        {
            throw new ArgumentOutOfRangeException(nameof(options), budget, "TimeBudget must be between 1 ms and 1 hour, or null.");
        }
        return new StmValidator(new ConformanceResolver(profiles.ByCanonical, core), profiles.Issues, options);
    }

    /// <inheritdoc />
    public ValidationReport Validate(Resource resource, string? profile = null, CancellationToken cancellationToken = default) =>
        Validate(resource, profile, cancellationToken, inline: false);

    /// <summary>
    /// <see cref="Validate(Resource, string?, CancellationToken)"/> with Firely's walk on the calling thread whatever it
    /// is (normally a thread that is not a pool thread hands the walk to the pool): for tests of the walk on a thread
    /// with a small stack.
    /// </summary>
    internal ValidationReport ValidateOnThisThread(Resource resource, string? profile = null, CancellationToken cancellationToken = default) =>
        Validate(resource, profile, cancellationToken, inline: true);

    private ValidationReport Validate(Resource resource, string? profile, CancellationToken cancellationToken, bool inline)
    {
        ArgumentNullException.ThrowIfNull(resource);
        // Before any schema walk: Firely handed an abstract type as an instance's type recursed until the stack overflowed.
        if (ResourceTypeCheck.Problems(resource) is { } wrongTypes)
        {
            return new ValidationReport(wrongTypes);
        }
        var issues = new List<ValidationIssue>();
        if (profile is not null && _resolver.ResolveByCanonicalUri(profile) is not StructureDefinition)
        {
            issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.UnknownStmProfile, null,
                $"Profile {MessageText.Value(profile)} is not known, so the resource cannot be validated against it.", OperationOutcome.IssueType.NotFound));
            profile = null;
        }
        using var span = ValidationTelemetry.Source.StartActivity("stmfhir.validate");
        issues.AddRange(UnknownStmProfiles(resource));
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        issues.AddRange(Structure(resource, profile, cancellationToken, inline));
        started = ValidationTelemetry.Record(ValidationTelemetry.FirelyLayer, started);
        try
        {
            issues.AddRange(Bundles.BundleRules.Check(resource));
            started = ValidationTelemetry.Record(ValidationTelemetry.BundleLayer, started);
            issues.AddRange(ClinicalRules.Check(resource));
            started = ValidationTelemetry.Record(ValidationTelemetry.ClinicalLayer, started);
            issues.AddRange(Interop.InteroperabilityRules.Check(resource));
            ValidationTelemetry.Record(ValidationTelemetry.InteropLayer, started);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or InsufficientExecutionStackException))
        {
            // The rules report the failures they expect themselves (STM-CLIN-000); this is for the ones they do not.
            issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.NotCheckable, null,
                $"The Bundle, STM clinical and interoperability rules could not be checked: they stopped on this input ({e.GetType().Name}).", OperationOutcome.IssueType.Exception));
        }
        span?.SetTag("stmfhir.validation.valid", !issues.Any(i => i.Severity <= OperationOutcome.IssueSeverity.Error));
        return new ValidationReport(issues);
    }

    /// <summary>The structure, profile and terminology layers (Firely), within the time budget; a failure on the input is an issue.</summary>
    private List<ValidationIssue> Structure(Resource resource, string? profile, CancellationToken cancellationToken, bool inline)
    {
        using var budget = _timeBudget is { } limit ? new CancellationTokenSource(limit, _timeProvider) : null;
        var deadline = budget?.Token ?? CancellationToken.None;
        try
        {
            // The Firely validator asks its terminology service synchronously through Task.Run(...).GetResult() for
            // every coded element. Waited on from a thread-pool thread, that work item runs inline on the waiting
            // thread; from any other thread it is a switch to another thread and back each time. So: one switch per
            // call, not per code.
            var outcome = inline || Thread.CurrentThread.IsThreadPoolThread
                ? RunFirely(resource, profile, cancellationToken, deadline)
                : System.Threading.Tasks.Task.Run(() => RunFirely(resource, profile, cancellationToken, deadline), cancellationToken).GetAwaiter().GetResult();
            return [.. FirelyIssues.From(outcome, resource)];
        }
        catch (ValidationStoppedException e) when (e.Reason == ValidationStop.TimeBudget)
        {
            return [new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.TimeBudgetExceeded, null,
                $"Validation was stopped after its time budget of {_timeBudget!.Value.TotalSeconds:0.###} s; the structure and profiles were not fully checked. Validate a smaller input.",
                OperationOutcome.IssueType.TooCostly)];
        }
        catch (ValidationStoppedException)
        {
            return [new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.NestedTooDeeply, null,
                "The input nests so deeply that the validator cannot follow it; the structure and profiles were not checked.", OperationOutcome.IssueType.TooCostly)];
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException or InsufficientExecutionStackException))
        {
            // Firely 3.6.0 reads some elements with SingleOrDefault and throws where syntax-only parsing kept several
            // values, and may stop on other shapes nobody has met yet; a client must get an issue, not a server error.
            return [NotCheckable(resource)];
        }
    }

    private static ValidationIssue NotCheckable(Resource resource)
    {
        string? repeated;
        try
        {
            repeated = ElementShapes.FirstRepeatedSingle(resource);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or InsufficientExecutionStackException))
        {
            repeated = null;
        }
        return new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.NotCheckable, repeated,
            repeated is null
                ? "The structure and profiles could not be checked: the validator stopped on an element it could not read. Fix the parser's errors and validate again."
                : $"The structure and profiles could not be checked: {repeated} has several values where one is allowed. Give it one value and validate again.",
            OperationOutcome.IssueType.Structure);
    }

    private bool IsExtensionDefinition(string canonical) =>
        _resolver.ResolveByCanonicalUri(canonical) is StructureDefinition { Type: "Extension" };

    private OperationOutcome RunFirely(Resource resource, string? profile, CancellationToken cancellationToken, CancellationToken deadline)
    {
        var validator = Rent();
        using var guard = WalkGuard.Enter(cancellationToken, deadline);
        try
        {
            return validator.Validate(resource, profile);
        }
        finally
        {
            _pool.Add(validator);
        }
    }

    private Validator Rent() => _pool.TryTake(out var validator)
        ? validator
        : new Validator(_resolver, _terminology, null, FirelySettings.Create(), _schemas);

    /// <summary>
    /// A meta.profile under the StmFhir base that does not exist would silently skip the profile layer (Firely only
    /// warns), so it is an error.
    /// </summary>
    private IEnumerable<ValidationIssue> UnknownStmProfiles(Resource root)
    {
        foreach (var (resource, path) in ResourcePaths.Of(root))
        {
            // Read through the elements, not the Meta.Profile property: syntax-only parsing keeps a repeated "meta" as a
            // list and a profile that is not a string, and the property then throws (Firely reports both).
            var claims = resource.TryGetValue("meta", out var meta) && meta is Meta single && single.TryGetValue("profile", out var profiles)
                && profiles is IReadOnlyList<Base> list ? list : [];
            for (var i = 0; i < claims.Count; i++)
            {
                if (claims[i] is PrimitiveType { JsonValue: string url } && url.StartsWith(StmCanonical.Base + "/", StringComparison.Ordinal)
                    && _resolver.ResolveByCanonicalUri(url) is not StructureDefinition)
                {
                    yield return new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.UnknownStmProfile, $"{path}.meta.profile[{i}]",
                        $"Profile {MessageText.Value(url)} is not an StmFhir profile (typo or older version?); the resource was not validated against it.",
                        OperationOutcome.IssueType.NotFound);
                }
            }
        }
    }
}
