using System.Text.RegularExpressions;
using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Newtonsoft.Json.Linq;

#pragma warning disable ExperimentalApi // Firely's assertion interfaces are marked experimental: unstable API, stable results.

namespace StmFhir.Core.Validation.FastPath;

/// <summary>
/// Stands for the condition of one slice (its discriminators): whether a value met it before, or did not, is
/// remembered, so the same extension url, coding system or pattern met again does not run the FHIRPath selector and
/// Firely's fixed or pattern check once per slice and value on every run. A value met for the first time, or one the
/// memo cannot name, goes to the condition itself, unchanged.
/// </summary>
/// <remarks>
/// Firely's slicing reads nothing of a condition's report but <see cref="ResultReport.IsSuccessful"/> (it picks the
/// slice; issues come from the slice's own assertion), so a remembered outcome is all it needs. Only conditions
/// whose outcome is a function of the value are memoized (<see cref="IsLocal"/>): discriminator paths that navigate
/// down from the value (<c>$this</c>, <c>url</c>, <c>code.coding</c>), selecting onto fixed and pattern checks,
/// which compare the selected content with a constant. The key is the value's exact fingerprint
/// (<see cref="CleanElementMemo.Fingerprint"/>, extensions included: every type, id and primitive value), so only
/// values of the memo's context-free types and extensions are remembered.
/// </remarks>
internal sealed partial class MemoizedSliceCondition(IAssertion inner, CleanElementMemo met, CleanElementMemo notMet, int number) : IValidatable
{
    /// <summary>What the slicing reads of a remembered failure: it is not successful. Its evidence is never read.</summary>
    private static readonly ResultReport NotMet = new(ValidationResult.Failure, new TraceAssertion("", "The value does not meet the slice's discriminators (remembered)."));

    private readonly string _prefix = "slice" + number.ToString(System.Globalization.CultureInfo.InvariantCulture) + "|";

    public IAssertion Inner => inner;

    /// <summary>
    /// Whether the condition's outcome depends on the value only: path selectors navigating down from it onto fixed
    /// and pattern checks, possibly several of them (all must hold).
    /// </summary>
    public static bool IsLocal(IAssertion condition) => condition switch
    {
        CompiledPathSelector selector => DownwardPath().IsMatch(selector.Inner.Path) && IsConstantCheck(selector.Inner.Other),
        AllValidator all => all.Members.Count > 0 && all.Members.All(IsLocal),
        _ => false,
    };

    private static bool IsConstantCheck(IAssertion check) => check switch
    {
        FixedValidator or PatternValidator => true,
        AllValidator all => all.Members.Count > 0 && all.Members.All(IsConstantCheck),
        _ => false,
    };

    public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state)
    {
        if (vc.FhirPathCompiler is not null || !CleanElementMemo.PlacedAsDeclared(input))
        {
            return ((IValidatable)inner).Validate(input, vc, state);
        }
        // The key is looked up in this thread's builder, which is handed back before the condition runs (it may
        // build keys of its own); a string is made only for a value met for the first time.
        bool? known = null;
        string? key = null;
        var text = CleanElementMemo.RentText();
        try
        {
            if (!CleanElementMemo.AppendFingerprint(text.Append(_prefix), input.Poco, extensions: true))
            {
                return ((IValidatable)inner).Validate(input, vc, state);
            }
            known = met.IsKnownClean(text) ? true : notMet.IsKnownClean(text) ? false : null;
            key = known is null ? text.ToString() : null;
        }
        finally
        {
            CleanElementMemo.ReturnText(text);
        }
        if (known is { } wasMet)
        {
            return wasMet ? ResultReport.SUCCESS : NotMet;
        }
        var report = ((IValidatable)inner).Validate(input, vc, state);
        (report.IsSuccessful ? met : notMet).RememberClean(key!);
        return report;
    }

    public JToken ToJson() => inner.ToJson();

    [GeneratedRegex(@"^(\$this|[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*)$")]
    private static partial Regex DownwardPath();
}
