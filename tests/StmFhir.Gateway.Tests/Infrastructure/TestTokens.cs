using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace StmFhir.Gateway.Tests.Infrastructure;

/// <summary>HS256 JWTs signed with the key the test gateway trusts (or another).</summary>
internal static class TestTokens
{
    public const string Issuer = "https://login.example-hospital.org";
    public const string Audience = "stmfhir-gateway";
    public static readonly string SigningKeyBase64 = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("a-test-signing-key-of-more-than-32-bytes!!"));

    public static string Create(string scope, string issuer = Issuer, string audience = Audience, string? signingKeyBase64 = null, DateTime? expires = null)
    {
        var key = new SymmetricSecurityKey(Convert.FromBase64String(signingKeyBase64 ?? SigningKeyBase64));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", "integration-client"), new Claim("scope", scope)]),
            NotBefore = (expires ?? DateTime.UtcNow.AddMinutes(10)).AddMinutes(-20),
            IssuedAt = (expires ?? DateTime.UtcNow.AddMinutes(10)).AddMinutes(-20),
            Expires = expires ?? DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
    }
}
