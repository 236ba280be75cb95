using System.Net.Http.Headers;
using System.Text.Json;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace StmFhir.Exchange.Targets.Authentication;

/// <summary>
/// SMART Backend Services tokens for one target: finds the token endpoint and the scope syntax (configured, or from the
/// target's smart-configuration, read once), then gets tokens through the shared <see cref="AccessTokenCache"/>, each
/// fetch authenticated by a fresh <see cref="ClientAssertion"/>. Records every fetch and failure for the status.
/// </summary>
internal sealed class SmartBackendServicesTokenSource(
    IHttpClientFactory httpClientFactory, string httpClientName, FhirTargetOptions target, SigningKey key, Uri? jku,
    AccessTokenCache cache, TargetAuthRecorder status, TimeProvider timeProvider) : IAccessTokenSource
{
    private readonly SemaphoreSlim _resolveLock = new(1, 1);
    private volatile TokenCacheKey? _resolved;

    public async ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken)
    {
        try
        {
            var resolved = _resolved ?? await ResolveAsync(cancellationToken).ConfigureAwait(false);
            return await cache.GetAsync(resolved, ct => FetchAsync(resolved, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (TokenRequestException e)
        {
            status.Failed(e, timeProvider.GetUtcNow());
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TimeoutRejectedException or BrokenCircuitException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // The token client's pipeline has retried already; the rows wait for their next attempt.
            var unreachable = new TokenRequestException($"The token endpoint or smart-configuration could not be reached ({e.GetType().Name})", 0, "unavailable");
            status.Failed(unreachable, timeProvider.GetUtcNow());
            throw unreachable;
        }
    }

    public void Invalidate(string token)
    {
        if (_resolved is { } resolved)
        {
            cache.Invalidate(resolved, token);
        }
    }

    private async Task<TokenCacheKey> ResolveAsync(CancellationToken cancellationToken)
    {
        await _resolveLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_resolved is { } done)
            {
                return done;
            }
            var auth = target.Auth;
            SmartConfiguration? discovered = null;
            if (auth.TokenEndpoint is null || string.IsNullOrWhiteSpace(auth.Scope))
            {
                // Without a configured endpoint the document is required; with one, it only tells the scope syntax.
                discovered = await DiscoverAsync(required: auth.TokenEndpoint is null, cancellationToken).ConfigureAwait(false);
            }
            var endpoint = auth.TokenEndpoint ?? discovered!.TokenEndpoint!;
            var v2 = discovered?.V2Scopes ?? false;
            var scope = string.IsNullOrWhiteSpace(auth.Scope) ? SmartConfiguration.DefaultScope(v2) : auth.Scope.Trim();
            var syntax = string.IsNullOrWhiteSpace(auth.Scope) ? (v2 ? "v2" : "v1") : "configured";
            status.Resolved(endpoint, scope, syntax, key.KeyId);
            return _resolved = new TokenCacheKey(endpoint, auth.ClientId!, scope);
        }
        finally
        {
            _resolveLock.Release();
        }
    }

    private async Task<SmartConfiguration?> DiscoverAsync(bool required, CancellationToken cancellationToken)
    {
        var url = new Uri(WithTrailingSlash(target.BaseUrl!), SmartConfiguration.Path);
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var client = httpClientFactory.CreateClient(httpClientName);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            if (!required && status is 404 or 403 or 401)
            {
                return null; // No document: the configured endpoint stands, and v1 scopes are the safe guess.
            }
            throw new TokenRequestException($"GET {SmartConfiguration.Path} answered {status}" + (required ? "; set Auth:TokenEndpoint if the server publishes none" : ""),
                status, status is 408 or 429 or >= 500 ? "unavailable" : "discovery");
        }
        SmartConfiguration document;
        try
        {
            document = SmartConfiguration.Read(body);
        }
        catch (JsonException)
        {
            throw new TokenRequestException($"GET {SmartConfiguration.Path} did not answer with a JSON object", status, "discovery", transient: false);
        }
        if (required && document.TokenEndpoint is null)
        {
            throw new TokenRequestException($"The {SmartConfiguration.Path} names no absolute http(s) token_endpoint; set Auth:TokenEndpoint", status, "discovery", transient: false);
        }
        return document;
    }

    private async Task<IssuedToken> FetchAsync(TokenCacheKey cacheKey, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var form = new List<KeyValuePair<string, string>>
        {
            new("grant_type", "client_credentials"),
            new("scope", cacheKey.Scope),
            new("client_assertion_type", ClientAssertion.Type),
            new("client_assertion", ClientAssertion.Create(cacheKey.ClientId, cacheKey.TokenEndpoint, key, jku, now)),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, cacheKey.TokenEndpoint) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var client = httpClientFactory.CreateClient(httpClientName);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        var issued = TokenEndpointAnswer.Read((int)response.StatusCode, body, response.Headers.Date, timeProvider.GetUtcNow());
        status.Fetched(issued, now);
        return issued;
    }

    // Without the trailing slash, ".well-known/..." would replace the base's last segment ("R4").
    private static Uri WithTrailingSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}
