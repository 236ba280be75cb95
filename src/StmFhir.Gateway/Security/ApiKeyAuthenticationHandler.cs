using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace StmFhir.Gateway.Security;

/// <summary>Authenticates static API keys from <c>X-Api-Key</c> or <c>Authorization: Bearer</c>, compared in constant time.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<ApiAuthOptions> apiAuth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    private readonly (byte[] Hash, ApiKeyOptions Key)[] _keys =
        [.. apiAuth.Value.ApiKeys.Select(k => (SHA256.HashData(Encoding.UTF8.GetBytes(k.Key)), k))];

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedKey(Request);
        if (presented is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ApiKeyOptions? match = null;
        foreach (var (keyHash, key) in _keys)
        {
            // Every key is compared, in constant time, so timing tells nothing about which keys exist.
            if (CryptographicOperations.FixedTimeEquals(hash, keyHash))
            {
                match = key;
            }
        }
        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key"));
        }
        var claims = new List<Claim> { new(ClaimTypes.Name, match.Name), new("auth_method", "api-key") };
        claims.AddRange((match.Scopes ?? [Scopes.Read, Scopes.Write]).Select(s => new Claim("scope", Scopes.ClaimFor(s))));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    /// <summary>The key in <c>X-Api-Key</c>, else the Bearer credential when it is not a JWT (which has three dot-separated parts).</summary>
    public static string? PresentedKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue(HeaderName, out var header) && header.ToString() is { Length: > 0 } key)
        {
            return key;
        }
        var bearer = BearerCredential(request);
        return bearer is not null && bearer.Count(c => c == '.') != 2 ? bearer : null;
    }

    public static string? BearerCredential(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }
}
