namespace StmFhir.Gateway.Security;

/// <summary>
/// Runs before authentication: a request that carries a credential from an address that has used up its failed
/// credentials gets 429 without the credential being checked (see <see cref="CredentialFailureThrottle"/>).
/// </summary>
internal sealed class CredentialThrottleMiddleware(RequestDelegate next, CredentialFailureThrottle throttle)
{
    public Task InvokeAsync(HttpContext context) =>
        throttle.IsBlocked(context, out var wait) && CredentialFailureThrottle.PresentsCredential(context.Request)
            ? CredentialFailureThrottle.TooManyFailures(context, wait)
            : next(context);
}
