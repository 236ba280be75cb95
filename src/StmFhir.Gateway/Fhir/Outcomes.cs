using Hl7.Fhir.Model;

namespace StmFhir.Gateway.Fhir;

/// <summary>OperationOutcome answers: every error the gateway gives is one of these, never a stack trace.</summary>
internal static class Outcomes
{
    /// <summary>One issue. <paramref name="location"/> carries a source path that is not FHIRPath (e.g. an STM JSON path).</summary>
    public static OperationOutcome.IssueComponent Issue(OperationOutcome.IssueType type, string message,
        OperationOutcome.IssueSeverity severity = OperationOutcome.IssueSeverity.Error, string? expression = null, string? location = null) => new()
        {
            Severity = severity,
            Code = type,
            Diagnostics = message,
            Expression = expression is null ? [] : [expression],
            Location = location is null ? [] : [location],
        };

    public static OperationOutcome Create(OperationOutcome.IssueType type, string message) => new() { Issue = [Issue(type, message)] };

    public static OperationOutcome Create(IEnumerable<OperationOutcome.IssueComponent> issues) => new() { Issue = [.. issues] };

    public static FhirJsonResult Result(int status, OperationOutcome outcome) => new(status, outcome);

    public static FhirJsonResult Result(int status, OperationOutcome.IssueType type, string message) => new(status, Create(type, message));

    public static System.Threading.Tasks.Task Write(HttpContext context, int status, OperationOutcome.IssueType type, string message) =>
        Result(status, type, message).ExecuteAsync(context);

    public static FhirJsonResult NotFound(string what) => Result(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, what);

    public static FhirJsonResult BadRequest(string message) => Result(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, message);
}
