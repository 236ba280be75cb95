using Hl7.Fhir.Model;
using StmFhir.Core.Validation;
using StmFhir.Gateway.Security;
using StmFhir.Gateway.Validation;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// <c>POST /fhir/$validate</c> and <c>POST /fhir/{type}/$validate</c>: a resource, or a Parameters with <c>resource</c>
/// and optionally <c>profile</c> (or <c>?profile=</c>), validated by the same engine as the CLI. The answer is 200 with
/// an OperationOutcome whether or not the resource is valid; 4xx only when there is nothing to validate.
/// </summary>
/// <remarks>
/// The body passes the gateway's size limit, then the reader of every FHIR endpoint (<see cref="FhirRequestReader.Read"/>:
/// syntax, depth, DTDs, resource types), syntax only as the CLI reads files, so a wrong value is one issue among the
/// others instead of a 400. Validation stops when the client goes away and has a time budget (<c>Fhir:ValidationTimeBudget</c>).
/// </remarks>
internal static class ValidateEndpoints
{
    public static IEndpointRouteBuilder MapFhirValidate(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(FhirUrls.Prefix).ExcludeFromDescription().RequireAuthorization(Scopes.PolicyFor(FhirInteraction.Validate));
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
            return FhirRequestReader.UnsupportedMediaType();
        }
        var body = await reader.ReadBytesAsync(request, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (body.Value is not { } bytes)
        {
            return body.Error!;
        }
        var parsed = reader.Read(bytes, kind, strict: false);
        if (parsed.Resource is not { } resource)
        {
            return FhirRequestReader.Refusal(parsed.Issues);
        }
        var profile = request.Query.TryGetValue("profile", out var fromQuery) ? fromQuery.ToString() : null;
        if (resource is Parameters parameters && type != "Parameters")
        {
            var named = Named(parameters);
            if (named.Resource is not { } inner)
            {
                return Outcomes.BadRequest("The Parameters has no 'resource' parameter to validate");
            }
            resource = inner;
            profile = named.Profile ?? profile;
        }
        if (type is not null && resource.TypeName != type)
        {
            return Outcomes.BadRequest($"The resource is a {resource.TypeName}, but the URL is for {type}");
        }
        if (!FhirAccess.Allows(request.HttpContext.User, FhirInteraction.Validate, resource.TypeName))
        {
            return Outcomes.Result(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, FhirAccess.Refusal(FhirInteraction.Validate, resource.TypeName));
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

    /// <summary>
    /// The first <c>resource</c> parameter's resource and the first <c>profile</c> parameter's text, read through the
    /// elements: syntax-only parsing keeps values of the wrong type or shape, and the typed properties then throw.
    /// </summary>
    private static (Resource? Resource, string? Profile) Named(Parameters parameters)
    {
        Resource? resource = null;
        string? profile = null;
        var list = parameters.TryGetValue("parameter", out var value) ? value as IReadOnlyList<Base> ?? (value is Base one ? [one] : []) : [];
        foreach (var parameter in list)
        {
            var name = parameter is not null && parameter.TryGetValue("name", out var n) && n is PrimitiveType { JsonValue: string text } ? text : null;
            if (name == "resource" && resource is null && parameter!.TryGetValue("resource", out var r) && r is Resource found)
            {
                resource = found;
            }
            else if (name == "profile" && profile is null && parameter!.TryGetValue("value", out var v)
                && v is FhirUri or Canonical or FhirString && v is PrimitiveType { JsonValue: string url })
            {
                profile = url;
            }
        }
        return (resource, profile);
    }
}
