using Hl7.Fhir.Model;
using StmFhir.Gateway.Validation;

namespace StmFhir.Gateway.Tests.Infrastructure;

/// <summary>
/// Does not validate: accepts everything. Only for tests of storage, HTTP and security behaviour, which must not depend
/// on the validation engine; no test that claims to test validation uses it.
/// </summary>
internal sealed class AcceptAllValidator : IResourceValidator
{
    public bool IsReady => true;

    public ValidationVerdict Validate(Resource resource, string? profile = null) => new(true, new OperationOutcome
    {
        Issue = [new OperationOutcome.IssueComponent { Severity = OperationOutcome.IssueSeverity.Information, Code = OperationOutcome.IssueType.Informational }],
    });
}
