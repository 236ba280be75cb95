using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using StmFhir.Gateway.Fhir;

namespace StmFhir.Gateway.Security;

/// <summary>
/// Answers a missing or wrong credential with 401 and a missing permission with 403, each as an OperationOutcome. A
/// wrong credential is counted against its address; the one that uses up the address's failures gets 429 instead.
/// </summary>
internal sealed class OutcomeAuthorizationResultHandler(CredentialFailureThrottle throttle) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async System.Threading.Tasks.Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged)
        {
            // Challenged with a credential means the credential was refused (an accepted one without the permission is Forbidden).
            if (CredentialFailureThrottle.PresentsCredential(context.Request) && throttle.Failed(context, out var wait))
            {
                await CredentialFailureThrottle.TooManyFailures(context, wait).ConfigureAwait(false);
                return;
            }
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await Outcomes.Write(context, StatusCodes.Status401Unauthorized, OperationOutcome.IssueType.Login,
                "A valid credential is required: an API key (X-Api-Key or Authorization: Bearer) or a JWT bearer token").ConfigureAwait(false);
            return;
        }
        if (authorizeResult.Forbidden)
        {
            await Outcomes.Write(context, StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden,
                context.Items[Scopes.RefusalItem] as string ?? "The credential does not grant the permission this request needs").ConfigureAwait(false);
            return;
        }
        await _default.HandleAsync(next, context, policy, authorizeResult).ConfigureAwait(false);
    }
}
