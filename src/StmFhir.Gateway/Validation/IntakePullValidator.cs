using Hl7.Fhir.Model;
using StmFhir.Core.Validation;
using StmFhir.Exchange.Pull;

namespace StmFhir.Gateway.Validation;

/// <summary>
/// Pull's validation in the gateway: the engine intake uses (<see cref="IResourceValidator"/>), with its validation slots,
/// so a pulled session meets the same layers as a posted one and pulls never run more validations at once than intake
/// allows. The verdict's OperationOutcome is read back into the engine's issues (code, severity, expression).
/// </summary>
internal sealed class IntakePullValidator(IResourceValidator validator) : IPullValidator
{
    public async Task<ValidationReport> ValidateAsync(Bundle session, CancellationToken cancellationToken = default)
    {
        var verdict = await validator.ValidateAsync(session, cancellationToken: cancellationToken).ConfigureAwait(false);
        // Every issue the engine reports carries its code in details (ValidationReport.ToOperationOutcome); the
        // "no issues" information issue has none and is not an issue.
        return new ValidationReport(
            from issue in verdict.Outcome.Issue
            let code = issue.Details?.Coding.FirstOrDefault(c => c.System == ValidationReport.IssueCodeSystem)?.Code
            where code is not null && issue.Severity is not null
            select new ValidationIssue(issue.Severity!.Value, code, issue.Expression.FirstOrDefault(), issue.Diagnostics ?? "",
                issue.Code ?? OperationOutcome.IssueType.Invalid));
    }
}
