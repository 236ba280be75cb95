using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace StmFhir.Exchange.Targets.Authentication;

/// <summary>
/// The signed JWT a SMART Backend Services client authenticates with (SMART App Launch 2.x, "Backend Services",
/// RFC 7523): <c>iss</c> = <c>sub</c> = the client id, <c>aud</c> = the token endpoint, <c>exp</c> at most five minutes
/// ahead, a fresh <c>jti</c>; header <c>kid</c>, and <c>jku</c> when the gateway's JWKS URL is configured.
/// </summary>
internal static class ClientAssertion
{
    /// <summary>The form value of <c>client_assertion_type</c>.</summary>
    public const string Type = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    /// <summary>
    /// How far ahead <c>exp</c> lies. The specification allows at most five minutes; four leave room for a server whose
    /// clock runs a little behind ours, which would otherwise see an assertion that lives too long.
    /// </summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(4);

    private static readonly JsonWebTokenHandler s_handler = new() { SetDefaultTimesOnTokenCreation = false };

    /// <summary>A new assertion, signed with <paramref name="key"/>, issued at <paramref name="now"/>.</summary>
    public static string Create(string clientId, Uri tokenEndpoint, SigningKey key, Uri? jku, DateTimeOffset now)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = clientId,
            Audience = tokenEndpoint.AbsoluteUri,
            IssuedAt = now.UtcDateTime,
            Expires = (now + Lifetime).UtcDateTime,
            Claims = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                [JwtRegisteredClaimNames.Sub] = clientId,
                // 128 random bits: the server refuses a jti it has seen, so it must never repeat.
                [JwtRegisteredClaimNames.Jti] = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)),
            },
            // The handler writes the key's kid into the header.
            SigningCredentials = new SigningCredentials(key.SecurityKey, key.Algorithm),
        };
        if (jku is not null)
        {
            descriptor.AdditionalHeaderClaims = new Dictionary<string, object>(StringComparer.Ordinal) { ["jku"] = jku.AbsoluteUri };
        }
        return s_handler.CreateToken(descriptor);
    }
}
