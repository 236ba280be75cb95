using System.Net;
using System.Net.Http.Headers;

namespace StmFhir.Exchange.Targets.Authentication;

/// <summary>
/// Sets the target's bearer token on every attempt. It sits inside the resilience handler, so a retry after a long
/// back-off asks for the token again and never sends one that expired while waiting. A 401 drops the token and, when
/// the source has a different one to give (a renewable token that the server revoked or let expire early), sends the
/// request once more with it; a second 401 reaches the caller.
/// </summary>
internal sealed class AuthorizationHandler(IAccessTokenSource tokens) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var token = await tokens.GetTokenAsync(cancellationToken);
        SetToken(request, token);
        var response = await base.SendAsync(request, cancellationToken);
        if (token is null || response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }
        tokens.Invalidate(token);
        var renewed = await tokens.GetTokenAsync(cancellationToken);
        if (renewed is null || renewed == token)
        {
            return response; // A static token: nothing else to try.
        }
        response.Dispose();
        SetToken(request, renewed);
        // The content is a ByteArrayContent or form content (FhirTargetClient), which can be sent again.
        response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            tokens.Invalidate(renewed);
        }
        return response;
    }

    private static void SetToken(HttpRequestMessage request, string? token) =>
        request.Headers.Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
}
