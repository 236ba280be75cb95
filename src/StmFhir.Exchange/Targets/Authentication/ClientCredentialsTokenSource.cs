using System.Net.Http.Headers;
using System.Text;

namespace StmFhir.Exchange.Targets.Authentication;

/// <summary>
/// OAuth2 client credentials grant with a client secret (RFC 6749 4.4). Tokens live in the shared
/// <see cref="AccessTokenCache"/> (per token endpoint, client and scopes) until shortly before their <c>expires_in</c>
/// runs out, so concurrent deliveries share one token and a token never expires mid-request.
/// </summary>
internal sealed class ClientCredentialsTokenSource(
    IHttpClientFactory httpClientFactory, string httpClientName, FhirTargetAuthOptions options, TimeProvider timeProvider,
    AccessTokenCache? cache = null, TargetAuthRecorder? status = null) : IAccessTokenSource
{
    /// <summary>How long before expiry a token of 5 minutes or more is renewed (<see cref="AccessTokenCache.RenewMargin"/>).</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromSeconds(30);

    private readonly AccessTokenCache _cache = cache ?? new AccessTokenCache(timeProvider);
    private readonly TokenCacheKey _key = new(options.TokenEndpoint!, options.ClientId!, options.Scope?.Trim() ?? "");

    public async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _cache.GetAsync(_key, RequestTokenAsync, cancellationToken);
        }
        catch (TokenRequestException e)
        {
            status?.Failed(e, timeProvider.GetUtcNow());
            throw;
        }
    }

    public void Invalidate(string token) => _cache.Invalidate(_key, token);

    private async Task<IssuedToken> RequestTokenAsync(CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>> { new("grant_type", "client_credentials") };
        if (_key.Scope.Length > 0)
        {
            form.Add(new("scope", _key.Scope));
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, options.TokenEndpoint) { Content = new FormUrlEncodedContent(form) };
        // RFC 6749 2.3.1: client id and secret are form-urlencoded before they go into HTTP Basic.
        var credentials = $"{Uri.EscapeDataString(options.ClientId!)}:{Uri.EscapeDataString(options.ClientSecret!)}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        var requestedAt = timeProvider.GetUtcNow();
        using var client = httpClientFactory.CreateClient(httpClientName);
        using var response = await client.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        // No clock check: a secret has no times for a server to refuse.
        var issued = TokenEndpointAnswer.Read((int)response.StatusCode, body, null, timeProvider.GetUtcNow());
        status?.Resolved(options.TokenEndpoint!, _key.Scope, "configured", null);
        status?.Fetched(issued, requestedAt);
        return issued;
    }
}

/// <summary>The OAuth2 token endpoint refused or answered something unusable, or could not be found.</summary>
/// <param name="message">What happened, for the delivery record and the status; never a secret.</param>
/// <param name="statusCode">The token endpoint's HTTP status (0 when it never answered).</param>
/// <param name="error">The OAuth2 <c>error</c> code, or a StmFhir code such as <c>clock_skew</c>; null if none.</param>
/// <param name="transient">Overrides the status's verdict on whether trying later may help.</param>
internal sealed class TokenRequestException(string message, int statusCode, string? error = null, bool? transient = null) : Exception(message)
{
    /// <summary>The token endpoint's HTTP status.</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>The OAuth2 error code (<c>invalid_client</c>, <c>invalid_scope</c>, ...) or StmFhir's (<c>clock_skew</c>).</summary>
    public string? Error { get; } = error;

    /// <summary>True when trying later may help (408, 429, 5xx, no answer, a clock that differs); false for a refusal.</summary>
    public bool IsTransient { get; } = transient ?? (statusCode is 0 or 408 or 429 or >= 500);
}
