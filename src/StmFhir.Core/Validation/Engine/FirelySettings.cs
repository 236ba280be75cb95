using Firely.Fhir.Validation;
using Hl7.Fhir.Specification.Terminology;

namespace StmFhir.Core.Validation.Engine;

/// <summary>
/// The Firely validator settings every StmFhir validator uses, the fast engine and the bare baseline alike, so
/// that they give the same verdicts.
/// </summary>
internal static class FirelySettings
{
    /// <summary>
    /// The largest ValueSet expansion the offline terminology service makes. The SDK default (500) turns every check
    /// against a bigger ValueSet into "could not be done"; with failures reported as errors that would reject valid data.
    /// </summary>
    public const int MaxExpansionSize = 10_000;

    /// <summary>
    /// Core R4 invariants that the Firely validator evaluates wrongly, excluded and re-checked by StmFhir.
    /// ras-2 (<c>probability is decimal implies (probability as decimal) &lt;= 100</c>): with no probability the
    /// expression is empty, which the validator counts as a failure, so every RiskAssessment prediction without a
    /// probability would be an error. STM-CORE-001 checks what ras-2 means.
    /// bdl-7 (<c>(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&amp;resource.meta.versionId).isDistinct()</c>):
    /// concatenating full URL and version makes distinct entries alike (<c>.../Patient/1</c> version <c>2</c> and
    /// <c>.../Patient/12</c> without one are both <c>.../Patient/12</c>), and the failure names only the Bundle.
    /// STM-BDL-004 compares each entry's full URL and version as a pair and names the repeated entry.
    /// </summary>
    public static readonly IReadOnlySet<string> ExcludedInvariants = new HashSet<string>(StringComparer.Ordinal) { "ras-2", "bdl-7" };

    public static ValidationSettings Create()
    {
        var settings = new ValidationSettings
        {
            // A terminology check that could not be done (unknown ValueSet, a code system not available offline, an
            // expansion over the limit) must fail validation, not pass it with a warning.
            HandleValidateCodeServiceFailure = static (_, _) => TerminologyServiceExceptionResult.Error,
            // A profile claimed twice is one profile: Firely compares the claimed profiles pairwise, so a meta.profile
            // repeating one url 20,000 times (found by the fuzz run) took minutes, where once takes microseconds.
            SelectValidationProfiles = static (_, profiles, _, _) => DistinctProfiles(profiles),
        };
#pragma warning disable ExperimentalApi // InvariantValidator.Key is the only way to name an invariant to exclude.
        settings.ExcludeFilters.Add(static assertion => assertion is InvariantValidator invariant && ExcludedInvariants.Contains(invariant.Key));
#pragma warning restore ExperimentalApi
        return settings;
    }

    /// <summary>The claimed profiles, each once, in the order first claimed.</summary>
    internal static Canonical[] DistinctProfiles(Canonical[] profiles) =>
        profiles.Length < 2 ? profiles : [.. profiles.DistinctBy(static p => p.ToString(), StringComparer.Ordinal)];

    public static ValueSetExpanderSettings ExpanderSettings() => new() { MaxExpansionSize = MaxExpansionSize };
}
