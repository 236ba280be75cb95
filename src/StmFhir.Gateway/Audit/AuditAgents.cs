using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Audit;

/// <summary>
/// The client agent of an AuditEvent: who the accepted credential says the client is, or, for a refused one, what it
/// claimed. Never the presented secret: an unknown API key is recorded as such, a refused JWT by its (unverified)
/// <c>client_id</c>/<c>sub</c> and issuer, never the token.
/// </summary>
internal static class AuditAgents
{
    public const string ApiKeySystem = "api-key";
    public const string Unverified = "unverified";
    public const string None = "none";

    // A claimed name is the client's text: kept short so a refused request cannot fill the audit table.
    private const int MaxClaimLength = 128;

    public static AuditAgent Of(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress?.ToString();
        var user = context.User;
        if (user.Identity?.IsAuthenticated == true)
        {
            return user.FindFirst("auth_method")?.Value == "api-key"
                ? new AuditAgent(user.FindFirst(ClaimTypes.Name)?.Value ?? "(unnamed key)", ApiKeySystem, true, address)
                : new AuditAgent(Claimed(user.FindFirst("client_id")?.Value ?? user.FindFirst("azp")?.Value ?? user.FindFirst("sub")?.Value) ?? "(no subject)",
                    Claimed(user.FindFirst("iss")?.Value) ?? "jwt", true, address);
        }
        if (ApiKeyAuthenticationHandler.PresentedKey(context.Request) is not null)
        {
            return new AuditAgent("(unknown API key)", Unverified, false, address);
        }
        if (ApiKeyAuthenticationHandler.BearerCredential(context.Request) is { } token)
        {
            return ClaimedByJwt(token, address);
        }
        return new AuditAgent(CredentialFailureThrottle.PresentsCredential(context.Request) ? "(unreadable credential)" : "(no credential)", None, false, address);
    }

    private static AuditAgent ClaimedByJwt(string token, string? address)
    {
        try
        {
            // Read, not validated: this is what a refused token claimed, recorded as unverified.
            var jwt = new JsonWebToken(token);
            var name = jwt.TryGetPayloadValue<string>("client_id", out var clientId) ? clientId
                : jwt.TryGetPayloadValue<string>("sub", out var sub) ? sub : null;
            return new AuditAgent(Claimed(name) ?? "(token without subject)", Unverified, false, address);
        }
        catch (ArgumentException)
        {
            return new AuditAgent("(malformed token)", Unverified, false, address);
        }
    }

    private static string? Claimed(string? value) => string.IsNullOrEmpty(value) ? null : value.Length <= MaxClaimLength ? value : value[..MaxClaimLength];
}
