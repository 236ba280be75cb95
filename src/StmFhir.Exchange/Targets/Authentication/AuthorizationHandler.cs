using System.Net;
using System.Net.Http.Headers;

namespace StmFhir.Exchange.Targets.Authentication;

/// <summary>
/// Sets the target's bearer token on every attempt. It sits inside the resilience handler, so a retry after a long
/// back-off asks for the token again and never sends one that expired while waiting.
/// </summary>
internal sealed class AuthorizationHandler(IAccessTokenSource tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await tokens.GetTokenAsync(cancellationToken);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        var response = await base.SendAsync(request, cancellationToken);
        if (token is not null && response.StatusCode == HttpStatusCode.Unauthorized)
        {
            tokens.Invalidate(token);
        }
        return response;
    }
}
