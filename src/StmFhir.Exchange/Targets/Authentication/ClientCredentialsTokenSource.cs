using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace StmFhir.Exchange.Targets.Authentication;

/// <summary>
/// OAuth2 client credentials grant (RFC 6749 4.4). A token is cached until <see cref="RenewBefore"/> before its
/// <c>expires_in</c> runs out, so concurrent deliveries share one token and a token never expires mid-request.
/// </summary>
internal sealed class ClientCredentialsTokenSource(
    IHttpClientFactory httpClientFactory, string httpClientName, FhirTargetAuthOptions options, TimeProvider timeProvider) : IAccessTokenSource
{
    /// <summary>How long before expiry a cached token is renewed.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromSeconds(30);

    /// <summary>How long a token without <c>expires_in</c> is kept.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _lock = new(1, 1);
    private CachedToken? _cached;

    public async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (Current() is { } token)
        {
            return token;
        }
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (Current() is { } fresh)
            {
                return fresh;
            }
            var requestedAt = timeProvider.GetUtcNow();
            var (accessToken, lifetime) = await RequestTokenAsync(cancellationToken);
            _cached = new CachedToken(accessToken, requestedAt + lifetime - RenewBefore);
            return accessToken;
        }
        finally
        {
            _lock.Release();
        }
    }

    public void Invalidate(string token)
    {
        var cached = _cached;
        if (cached is not null && cached.Token == token)
        {
            Interlocked.CompareExchange(ref _cached, null, cached);
        }
    }

    private string? Current() => _cached is { } cached && timeProvider.GetUtcNow() < cached.RenewAt ? cached.Token : null;

    private async Task<(string Token, TimeSpan Lifetime)> RequestTokenAsync(CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>> { new("grant_type", "client_credentials") };
        if (!string.IsNullOrWhiteSpace(options.Scope))
        {
            form.Add(new("scope", options.Scope));
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, options.TokenEndpoint) { Content = new FormUrlEncodedContent(form) };
        // RFC 6749 2.3.1: client id and secret are form-urlencoded before they go into HTTP Basic.
        var credentials = $"{Uri.EscapeDataString(options.ClientId!)}:{Uri.EscapeDataString(options.ClientSecret!)}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var client = httpClientFactory.CreateClient(httpClientName);
        using var response = await client.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new TokenRequestException($"The token endpoint answered {(int)response.StatusCode}", (int)response.StatusCode);
        }
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (!root.TryGetProperty("access_token", out var token) || token.GetString() is not { Length: > 0 } accessToken
                || !BearerTokenSource.IsValidToken(accessToken))
            {
                throw new TokenRequestException("The token endpoint's answer has no usable access_token", (int)response.StatusCode);
            }
            var lifetime = root.TryGetProperty("expires_in", out var expires) && expires.ValueKind == JsonValueKind.Number && expires.TryGetInt32(out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : DefaultLifetime;
            return (accessToken, lifetime);
        }
        catch (JsonException)
        {
            throw new TokenRequestException("The token endpoint's answer is not JSON", (int)response.StatusCode);
        }
    }

    private sealed record CachedToken(string Token, DateTimeOffset RenewAt);
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
