using System.Text.RegularExpressions;

namespace StmFhir.Exchange.Targets.Authentication;

/// <summary>A static bearer token from configuration.</summary>
internal sealed partial class BearerTokenSource(string token) : IAccessTokenSource
{
    public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(token);

    // A static token cannot be renewed; the 401 reaches the caller as a permanent failure.
    public void Invalidate(string token)
    {
    }

    /// <summary>True for an RFC 6750 <c>b64token</c>, the only characters an Authorization header may carry here.</summary>
    public static bool IsValidToken(string token) => Pattern().IsMatch(token);

    [GeneratedRegex("^[A-Za-z0-9\\-._~+/]+=*$")]
    private static partial Regex Pattern();
}
