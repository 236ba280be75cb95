using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace StmFhir.Gateway.Security;

/// <summary>
/// Authentication (API keys and JWT bearer tokens behind one policy scheme that picks by the credential's shape) and
/// the authorization policies (SMART scopes per interaction and resource type, see <see cref="Scopes"/>). Failures answer with an OperationOutcome (see <see cref="OutcomeAuthorizationResultHandler"/>).
/// </summary>
internal static class SecurityRegistration
{
    private const string SelectorScheme = "ApiKeyOrJwt";

    public static IServiceCollection AddGatewaySecurity(this IServiceCollection services)
    {
        services.AddAuthentication(SelectorScheme)
            .AddPolicyScheme(SelectorScheme, "API key or JWT bearer", o => o.ForwardDefaultSelector = context =>
            {
                var jwt = context.RequestServices.GetRequiredService<IOptions<ApiAuthOptions>>().Value.Jwt;
                return jwt.Enabled && ApiKeyAuthenticationHandler.PresentedKey(context.Request) is null
                    && ApiKeyAuthenticationHandler.BearerCredential(context.Request) is not null
                    ? JwtBearerDefaults.AuthenticationScheme
                    : ApiKeyAuthenticationHandler.SchemeName;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<ApiAuthOptions>>((o, auth) => ConfigureJwt(o, auth.Value.Jwt));

        services.AddAuthorizationBuilder().AddGatewayPolicies();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, OutcomeAuthorizationResultHandler>();
        services.AddSingleton<CredentialFailureThrottle>();
        // ASP.NET Core's host filter answers before the correlation id and error handling exist (an HTML page, no
        // X-Correlation-Id); HostFilterMiddleware applies the same AllowedHosts setting inside them, so this one passes all.
        services.PostConfigure<HostFilteringOptions>(o => o.AllowedHosts = ["*"]);
        return services;
    }

    /// <summary>
    /// The protocol guards in front of authentication, in order: the Host must be an allowed one, then an address that
    /// has used up its failed credentials waits (429), then the credential is checked.
    /// </summary>
    public static IApplicationBuilder UseGatewaySecurity(this IApplicationBuilder app) => app
        .UseMiddleware<HostFilterMiddleware>()
        .UseMiddleware<CredentialThrottleMiddleware>()
        .UseAuthentication()
        .UseAuthorization();

    private static void ConfigureJwt(JwtBearerOptions options, JwtOptions jwt)
    {
        options.MapInboundClaims = false;
        if (!jwt.Enabled)
        {
            return;
        }
        if (!string.IsNullOrWhiteSpace(jwt.Authority))
        {
            options.Authority = jwt.Authority;
        }
        var keys = new List<SecurityKey>();
        keys.AddRange(jwt.SymmetricKeys.Select(k => new SymmetricSecurityKey(Convert.FromBase64String(k))));
        foreach (var pem in jwt.RsaPublicKeys)
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            keys.Add(new RsaSecurityKey(rsa) { KeyId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(pem)))[..16] });
        }
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = jwt.Issuer,
            ValidAudience = jwt.Audience,
            IssuerSigningKeys = keys,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromMinutes(1),
        };
    }
}
