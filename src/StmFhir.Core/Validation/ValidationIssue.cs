using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation;

/// <summary>One finding of validation.</summary>
/// <param name="Severity">Fatal and error make the resource invalid; warning and information do not.</param>
/// <param name="Code">
/// A stable code: <c>STM-...</c> for StmFhir's own checks (<see cref="IssueCodes"/>), <c>FIRELY-nnnn</c> for an issue
/// of the Firely validator (its issue number, stable across its releases).
/// </param>
/// <param name="Expression">A FHIRPath expression to the element, e.g. <c>Bundle.entry[3].resource.valueQuantity.value</c>.</param>
/// <param name="Message">What is wrong, for a person.</param>
/// <param name="Type">The FHIR issue type, for OperationOutcome.</param>
public sealed record ValidationIssue(
    OperationOutcome.IssueSeverity Severity,
    string Code,
    string? Expression,
    string Message,
    OperationOutcome.IssueType Type = OperationOutcome.IssueType.Invalid)
{
    /// <summary>True for fatal and error issues.</summary>
    public bool IsError => Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal;
}
