using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation;

/// <summary>The issues found in one resource or Bundle, errors first.</summary>
public sealed class ValidationReport
{
    /// <summary>The system of the issue codes in <see cref="ToOperationOutcome"/>.</summary>
    public const string IssueCodeSystem = Terminology.StmCanonical.Base + "/CodeSystem/stm-validation-issue";

    /// <summary>Creates a report; identical issues are kept once, ordered by severity (fatal first), then by expression.</summary>
    public ValidationReport(IEnumerable<ValidationIssue> issues)
    {
        // Firely reports some findings twice (once per slice and once for the element); one is enough.
        Issues = [.. issues
            .Distinct()
            .OrderBy(i => i.Severity)
            .ThenBy(i => i.Expression ?? "", StringComparer.Ordinal)
            .ThenBy(i => i.Code, StringComparer.Ordinal)];
    }

    /// <summary>Every issue, errors first.</summary>
    public IReadOnlyList<ValidationIssue> Issues { get; }

    /// <summary>True when no issue is an error or fatal.</summary>
    public bool IsValid => !Issues.Any(i => i.IsError);

    /// <summary>The issues that are errors or fatal.</summary>
    public IEnumerable<ValidationIssue> Errors => Issues.Where(i => i.IsError);

    /// <summary>The report as a FHIR OperationOutcome; with no issue it holds one "information: no issues" issue (R4 needs one).</summary>
    public OperationOutcome ToOperationOutcome()
    {
        var outcome = new OperationOutcome();
        foreach (var issue in Issues)
        {
            outcome.Issue.Add(new OperationOutcome.IssueComponent
            {
                Severity = issue.Severity,
                Code = issue.Type,
                Details = new CodeableConcept(IssueCodeSystem, issue.Code, issue.Message),
                Diagnostics = issue.Message,
                Expression = issue.Expression is null ? [] : [issue.Expression],
            });
        }
        if (outcome.Issue.Count == 0)
        {
            outcome.Issue.Add(new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Information,
                Code = OperationOutcome.IssueType.Informational,
                Diagnostics = "No issues found.",
            });
        }
        return outcome;
    }
}
