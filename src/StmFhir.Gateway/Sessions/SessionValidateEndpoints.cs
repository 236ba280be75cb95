using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Gateway.Fhir;
using StmFhir.Gateway.Security;
using StmFhir.Gateway.Validation;

namespace StmFhir.Gateway.Sessions;

/// <summary>
/// <c>POST /stm/sessions/$validate</c>: what <c>POST /stm/sessions</c> would say of a session record, without storing it
/// (the checks of <c>stmfhir map --validate</c>): the record is read, mapped to its transaction Bundle and validated by
/// every layer, clinical rules included. The answer is 200 with an OperationOutcome whether or not the session is valid,
/// each issue with its FHIRPath in <c>expression</c> and the STM field path in <c>location</c>; a record that cannot be
/// mapped gives its reading problems as errors located by STM field path. 400 only when the body is not JSON.
/// </summary>
internal static class SessionValidateEndpoints
{
    public static IEndpointRouteBuilder MapStmSessionValidate(this IEndpointRouteBuilder app)
    {
        app.MapPost("/stm/sessions/$validate", ValidateAsync)
            .RequireAuthorization(Scopes.PolicyFor(FhirInteraction.Validate))
            .WithTags("STM sessions")
            .WithSummary("Validate an STM session record without storing it")
            .WithDescription("Maps the session to FHIR and validates it as POST /stm/sessions does, storing nothing. "
                + "200 with a FHIR OperationOutcome, valid or not: each issue has its stable code, severity, message, FHIRPath `expression` "
                + "and STM field path `location`. 400 malformed JSON, 413 too large, 415 not JSON. Needs a permission on Procedure.")
            .Accepts<object>("application/json")
            .Produces(StatusCodes.Status200OK, contentType: FhirJsonResult.FhirJson)
            .Produces(StatusCodes.Status400BadRequest, contentType: FhirJsonResult.FhirJson)
            .Produces(StatusCodes.Status401Unauthorized, contentType: FhirJsonResult.FhirJson)
            .Produces(StatusCodes.Status403Forbidden, contentType: FhirJsonResult.FhirJson)
            .Produces(StatusCodes.Status415UnsupportedMediaType, contentType: FhirJsonResult.FhirJson);
        return app;
    }

    private static async Task<IResult> ValidateAsync(HttpRequest request, FhirRequestReader reader, IResourceValidator validator, CancellationToken cancellationToken)
    {
        if (!FhirAccess.Allows(request.HttpContext.User, FhirInteraction.Validate, "Procedure"))
        {
            return Outcomes.Result(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, FhirAccess.Refusal(FhirInteraction.Validate, "Procedure"));
        }
        var (read, answer) = await SessionRequests.ReadAsync(request, reader, StatusCodes.Status200OK, cancellationToken).ConfigureAwait(false);
        if (read is not { } session)
        {
            return answer!;
        }
        var bundle = StmBundleMapper.ToBundle(session);
        var verdict = await validator.ValidateAsync(bundle, null, cancellationToken).ConfigureAwait(false);
        SessionRequests.LocateInSession(verdict.Outcome.Issue, session, bundle);
        return Outcomes.Result(StatusCodes.Status200OK, verdict.Outcome);
    }
}
