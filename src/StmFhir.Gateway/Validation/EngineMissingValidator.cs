using Hl7.Fhir.Model;

namespace StmFhir.Gateway.Validation;

/// <summary>
/// Stands in until the validation engine is merged: it refuses everything with a fatal issue, so the gateway never
/// stores or approves anything unvalidated.
/// </summary>
internal sealed class EngineMissingValidator : IResourceValidator
{
    public bool IsReady => false;

    public ValidationVerdict Validate(Resource resource, string? profile = null) => new(false, new OperationOutcome
    {
        Issue =
        [
            new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Fatal,
                Code = OperationOutcome.IssueType.NotSupported,
                Diagnostics = "The validation engine is not available in this build",
            },
        ],
    });
}
