using StmFhir.Exchange.Store;

namespace StmFhir.Gateway.Configuration;

/// <summary>Limits of the HTTP API (configuration section <c>Fhir</c>).</summary>
internal sealed class FhirOptions
{
    public const string Section = "Fhir";

    /// <summary>Largest request body accepted, in bytes; larger ones get 413 before they are read. The default is 5 MB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>Deepest JSON nesting accepted. The default is 64.</summary>
    public int MaxJsonDepth { get; set; } = 64;

    /// <summary>
    /// Most elements one body may hold: each JSON object and value (each array item counts; in XML each element), in
    /// FHIR bodies and STM sessions alike; more get 413 before anything is parsed. Reading and validating cost memory
    /// by the element (about 2-3 KB each), so this bounds what one request may allocate where the byte limit does not
    /// (a 5 MB body of 100,000 identifiers took ~600 MB). The sample session Bundles hold under 1,400; a 500-entry
    /// transaction of 60-element resources, 30,000. The default is 50,000.
    /// </summary>
    public int MaxElements { get; set; } = 50_000;

    /// <summary>Search page size when <c>_count</c> is absent. The default is 20.</summary>
    public int DefaultPageSize { get; set; } = 20;

    /// <summary>Largest search page served. The default is 200.</summary>
    public int MaxPageSize { get; set; } = 200;

    /// <summary>
    /// Largest answer of a search, a history or a batch, in bytes: a page ends before the resource that would pass it
    /// (with a <c>next</c> link from there), and a batch's entries after it is spent answer 413 each. A page always holds
    /// one resource, so an answer can pass the limit by that one's size (at most about <see cref="MaxRequestBodyBytes"/>).
    /// The default is 4 MB.
    /// </summary>
    public long MaxResponseBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most entries of a transaction or batch Bundle; more get 413 before any entry is looked at. The default is 500.</summary>
    public int MaxBundleEntries { get; set; } = 500;

    /// <summary>
    /// Most values one search may hold in all (each comma-separated alternative and each repeated parameter counts
    /// one); more get 400 naming the parameter. The default is 100.
    /// </summary>
    public int MaxSearchValues { get; set; } = 100;

    /// <summary>
    /// Most search parameters one search may have (a repeated one counts each time; not <c>_count</c>, <c>_offset</c>,
    /// <c>_format</c>, <c>_pretty</c>); more get 400 naming the parameter. Each is a join over every resource it
    /// matches, so their number multiplies a search's cost. The default is 10.
    /// </summary>
    public int MaxSearchParameters { get; set; } = 10;

    /// <summary>The paging and value limits of a search or history, from these options.</summary>
    public SearchLimits SearchLimits() => new(DefaultPageSize, MaxPageSize, MaxSearchValues, MaxSearchParameters);

    /// <summary>Validations run at once (more wait their turn); 0 means one per processor core. The default is 0.</summary>
    public int MaxConcurrentValidations { get; set; }

    /// <summary>
    /// Whether the validation engine skips Firely's walk of element values that passed before with no issue (same
    /// verdicts and messages; see src/StmFhir.Core/Validation/VALIDATION.md). The default is true; false is for comparing.
    /// </summary>
    public bool ValidationFastPath { get; set; } = true;

    /// <summary>
    /// How long the engine validates made-up sessions on every core before <c>/readyz</c> says ready, so the JIT has
    /// optimized the hot paths before the first client (a cold gateway ran its first ~20 s of load at about half speed).
    /// The default is 3 s; zero validates one session.
    /// </summary>
    public TimeSpan ValidationWarmUp { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The longest one validation (intake, FHIR writes, <c>$validate</c>) may take; beyond it the validator stops and
    /// the answer holds error issue STM-INPUT-003 (422 on a write, 200 at <c>$validate</c>), so no input can keep a
    /// validation slot busy (a validation takes milliseconds). The default is 10 s.
    /// </summary>
    public TimeSpan ValidationTimeBudget { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The origins (<c>https://app.example.org</c>) whose browser apps may call the FHIR API across origins (CORS, with
    /// the FHIR headers ETag, Location, Last-Modified exposed). The default is none: CORS is off.
    /// </summary>
    public IReadOnlyList<string> CorsAllowedOrigins { get; set; } = [];

    public IEnumerable<string> Problems()
    {
        foreach (var origin in CorsAllowedOrigins.Where(o => !Uri.TryCreate(o, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("https" or "http") || uri.PathAndQuery != "/" || o.EndsWith('/')))
        {
            yield return $"Fhir:CorsAllowedOrigins: '{origin}' is not an origin (scheme://host[:port], no path or trailing slash)";
        }
        if (ValidationTimeBudget < TimeSpan.FromMilliseconds(100) || ValidationTimeBudget > TimeSpan.FromMinutes(10))
        {
            yield return "Fhir:ValidationTimeBudget must be between 00:00:00.1 and 00:10:00";
        }
        if (MaxConcurrentValidations is < 0 or > 256)
        {
            yield return "Fhir:MaxConcurrentValidations must be between 0 (one per core) and 256";
        }
        if (ValidationWarmUp < TimeSpan.Zero || ValidationWarmUp > TimeSpan.FromMinutes(5))
        {
            yield return "Fhir:ValidationWarmUp must be between 00:00:00 and 00:05:00";
        }
        if (MaxRequestBodyBytes is < 1024 or > 1024L * 1024 * 1024)
        {
            yield return "Fhir:MaxRequestBodyBytes must be between 1 KB and 1 GB";
        }
        if (MaxElements is < 100 or > 10_000_000)
        {
            yield return "Fhir:MaxElements must be between 100 and 10000000";
        }
        if (MaxJsonDepth is < 8 or > 256)
        {
            yield return "Fhir:MaxJsonDepth must be between 8 and 256";
        }
        if (MaxPageSize is < 1 or > 1000)
        {
            yield return "Fhir:MaxPageSize must be between 1 and 1000";
        }
        if (DefaultPageSize < 1 || DefaultPageSize > MaxPageSize)
        {
            yield return "Fhir:DefaultPageSize must be between 1 and Fhir:MaxPageSize";
        }
        if (MaxResponseBytes is < 64 * 1024 or > 1024L * 1024 * 1024)
        {
            yield return "Fhir:MaxResponseBytes must be between 64 KB and 1 GB";
        }
        if (MaxBundleEntries is < 1 or > 10_000)
        {
            yield return "Fhir:MaxBundleEntries must be between 1 and 10000";
        }
        if (MaxSearchValues is < 1 or > 1000)
        {
            yield return "Fhir:MaxSearchValues must be between 1 and 1000";
        }
        if (MaxSearchParameters is < 1 or > 50)
        {
            yield return "Fhir:MaxSearchParameters must be between 1 and 50";
        }
    }
}
