using Hl7.Fhir.Model;
using StmFhir.Gateway.Validation;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// <c>POST /fhir/$validate</c> and <c>POST /fhir/{type}/$validate</c>: a resource, or a Parameters with <c>resource</c>
/// and optionally <c>profile</c> (or <c>?profile=</c>), validated by the same engine as the CLI. The answer is 200 with
/// an OperationOutcome whether or not the resource is valid; 4xx only when there is nothing to validate.
/// </summary>
internal static class ValidateEndpoints
{
    public static IEndpointRouteBuilder MapFhirValidate(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(FhirUrls.Prefix).ExcludeFromDescription().RequireAuthorization();
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
        var body = await reader.ReadResourceAsync(request, request.HttpContext.RequestAborted).ConfigureAwait(false);
        if (body.Value is not { } resource)
        {
            return body.Error!;
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
        var verdict = validator.Validate(resource, string.IsNullOrWhiteSpace(profile) ? null : profile);
        return Outcomes.Result(StatusCodes.Status200OK, verdict.Outcome);
    }
}
