namespace StmFhir.Core.Validation;

/// <summary>Where the validation engine finds its definitions and keeps what it computes ahead of use.</summary>
public sealed class StmValidatorOptions
{
    /// <summary>
    /// The profiles folder (StructureDefinitions, ValueSets, CodeSystems as JSON, one per file). The default is null:
    /// core R4 only.
    /// </summary>
    public string? ProfilesDirectory { get; init; }

    /// <summary>The R4 core definitions. The default is the specification.zip next to the application.</summary>
    public string SpecificationZip { get; init; } = Path.Combine(AppContext.BaseDirectory, "specification.zip");

    /// <summary>
    /// Where core definitions split out of specification.zip and profiles with generated snapshots are kept between
    /// processes; entries are keyed by a hash of their inputs, so a changed profile never meets a stale entry. The
    /// default is <see cref="DefaultCacheDirectory"/>; null keeps nothing (every process starts from scratch).
    /// </summary>
    public string? CacheDirectory { get; init; } = DefaultCacheDirectory;

    /// <summary>
    /// Remember element values (codes, codings, quantities, periods, identifiers, primitives: no references, no
    /// extensions) that passed Firely's datatype schema or a binding with no issue, and skip Firely's walk of the same
    /// value next time; also compile slice discriminators once, look up whether an element repeats once, and answer
    /// a few core invariants (dom-2..5, ref-1, the Bundle's, obs-6/7) without FHIRPath when plainly true. Verdicts and messages are the same either way
    /// (VALIDATION.md, "Fast path"). The default is true; false validates every element with Firely every time.
    /// </summary>
    public bool FastPath { get; init; } = true;

    /// <summary>
    /// The longest one validation may take; beyond it the walk stops and the report holds
    /// <see cref="IssueCodes.TimeBudgetExceeded"/> (an error). Between 1 ms and 1 hour, or null for no limit (the
    /// default; the gateway sets <c>Fhir:ValidationTimeBudget</c>).
    /// </summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>
    /// Told, in plain words, what filling the cache is doing (splitting the core definitions, generating snapshots,
    /// waiting for another process filling it) and how long it took: a first start takes about a minute, and a
    /// newcomer should see why. Never told anything when the cache is already filled. The default is null (silent).
    /// </summary>
    public Action<string>? CacheProgress { get; init; }

    /// <summary>The clock of <see cref="TimeBudget"/>. The default is <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// <c>$STMFHIR_CACHE</c> if set, else <c>$XDG_CACHE_HOME/stmfhir</c>, else <c>~/.cache/stmfhir</c>.
    /// </summary>
    public static string DefaultCacheDirectory =>
        Environment.GetEnvironmentVariable("STMFHIR_CACHE") is { Length: > 0 } explicitFolder ? explicitFolder
        : Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? Path.Combine(xdg, "stmfhir")
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } home ? home : Path.GetTempPath(), ".cache", "stmfhir");
}
