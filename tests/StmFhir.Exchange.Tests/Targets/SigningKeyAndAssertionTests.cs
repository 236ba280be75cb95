using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using StmFhir.Exchange.Targets;
using StmFhir.Exchange.Targets.Authentication;

namespace StmFhir.Exchange.Tests.Targets;

/// <summary>
/// Signing keys read from PEM and JWK set files, the client assertions they sign (checked with Microsoft.IdentityModel
/// against the published public key), and the start refusing keys SMART Backend Services cannot use.
/// </summary>
public sealed class SigningKeyAndAssertionTests : IDisposable
{
    private static readonly Uri TokenEndpoint = new("https://ehr.example.org/oauth2/token");
    private static readonly DateTimeOffset Now = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Directory.CreateTempSubdirectory("stmfhir-keys-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void RsaPemKey_SignsRs384AssertionWithEveryClaimTheSpecificationAsks()
    {
        using var rsa = RSA.Create(2048);
        var key = Single(Write("rsa.pem", rsa.ExportPkcs8PrivateKeyPem()), "rsa-1");
        var jku = new Uri("https://gateway.example.org/.well-known/jwks.json");

        var jwt = ClientAssertion.Create("stm-client", TokenEndpoint, key, jku, Now);

        var token = new JsonWebToken(jwt);
        Assert.Equal("RS384", token.Alg);
        Assert.Equal("rsa-1", token.Kid);
        Assert.Equal(jku.AbsoluteUri, token.GetHeaderValue<string>("jku"));
        Assert.Equal("stm-client", token.Issuer);
        Assert.Equal("stm-client", token.Subject);
        Assert.Equal([TokenEndpoint.AbsoluteUri], token.Audiences);
        Assert.InRange(token.ValidTo - Now.UtcDateTime, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5));
        Assert.True(Verify(jwt, key).IsValid);
    }

    [Fact]
    public void EcKeyFromJwkSetFile_SignsEs384_EachAssertionWithAFreshJti_AndNoJkuUnlessConfigured()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var p = ec.ExportParameters(true);
        var json = JsonSerializer.Serialize(new { keys = new[] { new { kty = "EC", crv = "P-384", kid = "ec-1", x = B64(p.Q.X), y = B64(p.Q.Y), d = B64(p.D) } } });
        var key = Single(Write("ec.jwks.json", json), null);

        var first = new JsonWebToken(ClientAssertion.Create("c", TokenEndpoint, key, null, Now));
        var second = new JsonWebToken(ClientAssertion.Create("c", TokenEndpoint, key, null, Now));

        Assert.Equal("ES384", first.Alg);
        Assert.Equal("ec-1", first.Kid);
        Assert.False(first.TryGetHeaderValue<string>("jku", out _));
        Assert.NotEqual(first.Id, second.Id);
        Assert.True(Verify(first.EncodedToken, key).IsValid);
    }

    [Fact]
    public void PublishedSet_HoldsOnlyPublicMembers_AndAPemKeyWithoutKeyIdGetsItsThumbprint()
    {
        using var rsa = RSA.Create(2048);
        var problems = new List<string>();
        var ring = SigningKeyRing.Load(new SigningKeysOptions { Keys = [new() { Path = Write("a.pem", rsa.ExportRSAPrivateKeyPem()) }] }, problems);

        Assert.Empty(problems);
        using var set = JsonDocument.Parse(ring.PublicJwkSet);
        var jwk = Assert.Single(set.RootElement.GetProperty("keys").EnumerateArray());
        Assert.Equal(["alg", "e", "kid", "kty", "n", "use"], jwk.EnumerateObject().Select(m => m.Name).Order(StringComparer.Ordinal));
        var thumbprint = Base64UrlEncoder.Encode(new JsonWebKey { Kty = "RSA", N = jwk.GetProperty("n").GetString(), E = jwk.GetProperty("e").GetString() }.ComputeJwkThumbprint());
        Assert.Equal(thumbprint, jwk.GetProperty("kid").GetString());
    }

    [Theory]
    [InlineData("short-rsa", "at least 2048")]
    [InlineData("p256", "P-384")]
    [InlineData("public-only", "no PEM private key")]
    [InlineData("encrypted", "encrypted")]
    [InlineData("missing", "cannot be read")]
    public void UnusableKeyFile_StopsTheStart_NamingTheFileAndWhy(string kind, string expected)
    {
        var path = Path.Combine(_folder, kind + ".pem");
        using var rsa1024 = RSA.Create(1024);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var rsa = RSA.Create(2048);
        var text = kind switch
        {
            "short-rsa" => rsa1024.ExportPkcs8PrivateKeyPem(),
            "p256" => p256.ExportECPrivateKeyPem(),
            "public-only" => rsa.ExportSubjectPublicKeyInfoPem(),
            "encrypted" => rsa.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)),
            _ => null,
        };
        if (text is not null)
        {
            File.WriteAllText(path, text);
        }
        var options = new ExchangeOptions { SigningKeys = new SigningKeysOptions { Keys = [new() { Path = path }] } };

        var error = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddFhirExchange(options));

        var message = Assert.Single(error.Failures);
        Assert.Contains("Exchange:SigningKeys:Keys:0", message, StringComparison.Ordinal);
        Assert.Contains(path, message, StringComparison.Ordinal);
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN", message, StringComparison.Ordinal);
    }

    [Fact]
    public void SmartTarget_WithoutAKeyOrClientId_OrNamingAnUnknownKid_StopsTheStart()
    {
        var options = new ExchangeOptions
        {
            Targets =
            [
                new() { Name = "ehr", BaseUrl = new Uri("https://ehr.example.org/fhir"), Auth = new() { Kind = FhirTargetAuthKind.SmartBackendServices } },
                new() { Name = "epic", BaseUrl = new Uri("https://epic.example.org/fhir"), Auth = new() { Kind = FhirTargetAuthKind.SmartBackendServices, ClientId = "x", KeyId = "nope" } },
            ],
        };

        var error = Assert.Throws<OptionsValidationException>(() => new ServiceCollection().AddFhirExchange(options));

        Assert.Contains(error.Failures, f => f.Contains("'ehr'", StringComparison.Ordinal) && f.Contains("Auth:ClientId is required", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("'ehr'", StringComparison.Ordinal) && f.Contains("needs a signing key", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("'epic'", StringComparison.Ordinal) && f.Contains("Auth:KeyId 'nope'", StringComparison.Ordinal));
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static SigningKey Single(string path, string? keyId) => Assert.Single(SigningKeyFiles.Read(new SigningKeyFileOptions { Path = path, KeyId = keyId }));

    private static string B64(byte[]? bytes) => Base64UrlEncoder.Encode(bytes);

    // Checked against the public JWK only, as the token endpoint would check it.
    private static TokenValidationResult Verify(string jwt, SigningKey key)
    {
        var publicKey = new JsonWebKey(JsonSerializer.Serialize(key.PublicJwk));
        return new JsonWebTokenHandler().ValidateTokenAsync(jwt, new TokenValidationParameters
        {
            ValidIssuer = "stm-client",
            ValidateIssuer = false,
            ValidAudience = TokenEndpoint.AbsoluteUri,
            IssuerSigningKey = publicKey,
            ValidateLifetime = false,
            ValidAlgorithms = [key.Algorithm],
        }).GetAwaiter().GetResult();
    }
}
