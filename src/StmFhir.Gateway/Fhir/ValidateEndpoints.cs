using Hl7.Fhir.Model;
using StmFhir.Core.Validation;
using StmFhir.Gateway.Validation;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// <c>POST /fhir/$validate</c> and <c>POST /fhir/{type}/$validate</c>: a resource, or a Parameters with <c>resource</c>
/// and optionally <c>profile</c> (or <c>?profile=</c>), validated by the same engine as the CLI. The answer is 200 with
/// an OperationOutcome whether or not the resource is valid; 4xx only when there is nothing to validate.
/// </summary>
/// <remarks>
/// The body passes the gateway's own checks first (size, JSON syntax and depth, no DTD); then it is read as the CLI reads
/// files (<see cref="FhirInput"/>, syntax only), so a wrong value is one issue among the others instead of a 400.
/// </remarks>
internal static class ValidateEndpoints
{
    public static IEndpointRouteBuilder MapFhirValidate(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(FhirUrls.Prefix).ExcludeFromDescription().RequireAuthorization(Security.Scopes.ValidatePolicy);
        group.MapPost("/$validate", (HttpRequest request, FhirRequestReader reader, IResourceValidator validator) =>
            ValidateAsync(null, request, reader, validator));
        group.MapPost("/{type}/$validate", (string type, HttpRequest request, FhirRequestReader reader, IResourceValidator validator) =>
            ValidateAsync(type, request, reader, validator));
        return app;
    }

    private static async Task<IResult> ValidateAsync(string? type, HttpRequest request, FhirRequestReader reader, IResourceValidator validator)
    {
        if (type is not null && !ModelInfo.IsKnownResource(type))
        {
            return Outcomes.NotFound($"{type} is not a FHIR R4 resource type");
        }
        var kind = FhirRequestReader.BodyKind(request.ContentType);
        if (kind is null)
        {
            return Outcomes.Result(StatusCodes.Status415UnsupportedMediaType, OperationOutcome.IssueType.NotSupported,
                "Send application/fhir+json or application/json (application/fhir+xml is also read)");
        }
        var body = await reader.ReadBytesAsync(request, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (body.Value is not { } bytes)
        {
            return body.Error!;
        }
        if ((kind == "xml" ? reader.CheckXml(bytes) : reader.CheckJson(bytes)) is { } refused)
        {
            return refused;
        }
        var parsed = FhirInput.Parse(bytes);
        if (parsed.Resource is not { } resource)
        {
            return Outcomes.Result(StatusCodes.Status400BadRequest, new ValidationReport(parsed.Issues).ToOperationOutcome());
        }
        var profile = request.Query.TryGetValue("profile", out var fromQuery) ? fromQuery.ToString() : null;
        if (resource is Parameters parameters && type != "Parameters")
        {
            resource = parameters.Parameter.FirstOrDefault(p => p.Name == "resource")?.Resource!;
            if (resource is null)
            {
                return Outcomes.BadRequest("The Parameters has no 'resource' parameter to validate");
            }
            profile = parameters.Parameter.FirstOrDefault(p => p.Name == "profile")?.Value switch
            {
                FhirUri uri => uri.Value,
                Canonical canonical => canonical.Value,
                FhirString text => text.Value,
                _ => profile,
            };
        }
        if (type is not null && resource.TypeName != type)
        {
            return Outcomes.BadRequest($"The resource is a {resource.TypeName}, but the URL is for {type}");
        }
        var verdict = await validator.ValidateAsync(resource, string.IsNullOrWhiteSpace(profile) ? null : profile, request.HttpContext.RequestAborted)
            .ConfigureAwait(false);
        if (parsed.Issues.Count > 0)
        {
            // What the parser could not read comes first; the "no issues" note of a clean verdict no longer holds.
            var issues = new ValidationReport(parsed.Issues).ToOperationOutcome().Issue;
            issues.AddRange(verdict.Outcome.Issue.Where(i => i.Severity != OperationOutcome.IssueSeverity.Information || i.Details is not null));
            verdict.Outcome.Issue = issues;
        }
        return Outcomes.Result(StatusCodes.Status200OK, verdict.Outcome);
    }
}
