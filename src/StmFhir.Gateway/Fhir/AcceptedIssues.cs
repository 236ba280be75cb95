using System.Globalization;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Validation;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// The warnings and information issues of an accepted write, as its answer carries them: a write that passes
/// validation may still have findings a person should see (petechiae, a pain rise), and an answer that drops them
/// leaves the caller no way to learn of them.
/// </summary>
internal static class AcceptedIssues
{
    private const string EntryPrefix = "Bundle.entry[";

    /// <summary>The issues the validator reported, without the "no issues" placeholder R4 needs in an empty OperationOutcome.</summary>
    public static IReadOnlyList<OperationOutcome.IssueComponent> Of(ValidationVerdict? verdict) =>
        verdict is null ? [] : [.. verdict.Outcome.Issue.Where(i => CodeOf(i) is not null)];

    /// <summary>The stable code of an issue (<c>STM-...</c> or <c>FIRELY-nnnn</c>), or null for one the engine did not code.</summary>
    public static string? CodeOf(OperationOutcome.IssueComponent issue) => issue.Details?.Coding.FirstOrDefault()?.Code;

    /// <summary>
    /// An OperationOutcome of <paramref name="issues"/> (R4's <c>Prefer: return=OperationOutcome</c> body); with none it
    /// holds one information issue, since R4 needs at least one.
    /// </summary>
    public static OperationOutcome Outcome(IEnumerable<OperationOutcome.IssueComponent> issues)
    {
        var outcome = Outcomes.Create(issues);
        if (outcome.Issue.Count == 0)
        {
            outcome.Issue.Add(Outcomes.Issue(OperationOutcome.IssueType.Informational, "No issues found.", OperationOutcome.IssueSeverity.Information));
        }
        return outcome;
    }

    /// <summary>
    /// The issues of a transaction per entry, by the entry their FHIRPath names (<c>Bundle.entry[3]...</c>); issues about
    /// the Bundle as a whole (no entry named) go with the first entry, since an R4 transaction-response has no other place
    /// for an outcome.
    /// </summary>
    public static Dictionary<int, List<OperationOutcome.IssueComponent>> ByEntry(IReadOnlyList<OperationOutcome.IssueComponent> issues, int entryCount)
    {
        var byEntry = new Dictionary<int, List<OperationOutcome.IssueComponent>>();
        foreach (var issue in issues)
        {
            var index = EntryIndex(issue.Expression.FirstOrDefault()) is { } i && i < entryCount ? i : 0;
            if (!byEntry.TryGetValue(index, out var list))
            {
                byEntry[index] = list = [];
            }
            list.Add(issue);
        }
        return byEntry;
    }

    /// <summary>Whether the client asked for an OperationOutcome in place of the resource (<c>Prefer: return=OperationOutcome</c>).</summary>
    public static bool PrefersOutcome(HttpRequest request) => Prefers(request, "return=OperationOutcome");

    /// <summary>Whether the client asked for no body (<c>Prefer: return=minimal</c>).</summary>
    public static bool PrefersMinimal(HttpRequest request) => Prefers(request, "return=minimal");

    /// <summary>Whether the client asked that unknown or unsupported search parameters be ignored (<c>Prefer: handling=lenient</c>).</summary>
    public static bool PrefersLenient(HttpRequest request) => Prefers(request, "handling=lenient");

    private static bool Prefers(HttpRequest request, string wanted)
    {
        foreach (var value in request.Headers["Prefer"])
        {
            foreach (var preference in (value ?? "").Split([',', ';'], StringSplitOptions.TrimEntries))
            {
                if (preference.Equals(wanted, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private static int? EntryIndex(string? expression)
    {
        if (expression is null || !expression.StartsWith(EntryPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        var digits = expression.AsSpan(EntryPrefix.Length);
        var end = digits.IndexOf(']');
        return end > 0 && int.TryParse(digits[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
    }
}
