using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace StmFhir.Exchange.Targets.Authentication;

/// <summary>One private signing key: its <c>kid</c>, its algorithm (RS384 or ES384), and the public part as a JWK.</summary>
internal sealed class SigningKey
{
    private SigningKey(string keyId, string algorithm, AsymmetricSecurityKey key, IReadOnlyDictionary<string, string> publicJwk)
    {
        KeyId = keyId;
        Algorithm = algorithm;
        SecurityKey = key;
        PublicJwk = publicJwk;
    }

    /// <summary>The key's <c>kid</c>, sent in every assertion's header.</summary>
    public string KeyId { get; }

    /// <summary><see cref="SecurityAlgorithms.RsaSha384"/> or <see cref="SecurityAlgorithms.EcdsaSha384"/>.</summary>
    public string Algorithm { get; }

    /// <summary>The private key, for signing only.</summary>
    public AsymmetricSecurityKey SecurityKey { get; }

    /// <summary>The public JWK members (kty, kid, use, alg, and n/e or crv/x/y), nothing private.</summary>
    public IReadOnlyDictionary<string, string> PublicJwk { get; }

    /// <summary>An RSA key of at least 2048 bits (RS384). Throws <see cref="ArgumentException"/> for a short or public-only key.</summary>
    public static SigningKey FromRsa(RSA rsa, string? keyId)
    {
        if (rsa.KeySize < 2048)
        {
            throw new ArgumentException($"the RSA key has {rsa.KeySize} bits; at least 2048 are required");
        }
        RSAParameters publicPart;
        try
        {
            // Exporting the private parameters proves the key is private; only the public ones are kept.
            _ = rsa.ExportParameters(includePrivateParameters: true);
            publicPart = rsa.ExportParameters(includePrivateParameters: false);
        }
        catch (CryptographicException)
        {
            throw new ArgumentException("the file holds a public RSA key, not a private one");
        }
        var jwk = new JsonWebKey { Kty = "RSA", N = Base64UrlEncoder.Encode(publicPart.Modulus), E = Base64UrlEncoder.Encode(publicPart.Exponent) };
        var kid = keyId ?? Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
        var members = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["kty"] = "RSA", ["kid"] = kid, ["use"] = "sig", ["alg"] = SecurityAlgorithms.RsaSha384, ["n"] = jwk.N, ["e"] = jwk.E,
        };
        return new SigningKey(kid, SecurityAlgorithms.RsaSha384, new RsaSecurityKey(rsa) { KeyId = kid }, members);
    }

    /// <summary>An EC key on P-384 (ES384). Throws <see cref="ArgumentException"/> for another curve or a public-only key.</summary>
    public static SigningKey FromEcdsa(ECDsa ecdsa, string? keyId)
    {
        ECParameters publicPart;
        try
        {
            var full = ecdsa.ExportParameters(includePrivateParameters: true);
            if (full.D is null)
            {
                throw new CryptographicException();
            }
            publicPart = ecdsa.ExportParameters(includePrivateParameters: false);
        }
        catch (CryptographicException)
        {
            throw new ArgumentException("the file holds a public EC key, not a private one");
        }
        if (publicPart.Curve.Oid.Value != ECCurve.NamedCurves.nistP384.Oid.Value)
        {
            throw new ArgumentException($"the EC key is on {publicPart.Curve.Oid.FriendlyName ?? publicPart.Curve.Oid.Value}; SMART Backend Services needs P-384 (ES384)");
        }
        var jwk = new JsonWebKey { Kty = "EC", Crv = "P-384", X = Base64UrlEncoder.Encode(publicPart.Q.X), Y = Base64UrlEncoder.Encode(publicPart.Q.Y) };
        var kid = keyId ?? Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint());
        var members = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["kty"] = "EC", ["kid"] = kid, ["use"] = "sig", ["alg"] = SecurityAlgorithms.EcdsaSha384, ["crv"] = "P-384", ["x"] = jwk.X, ["y"] = jwk.Y,
        };
        return new SigningKey(kid, SecurityAlgorithms.EcdsaSha384, new ECDsaSecurityKey(ecdsa) { KeyId = kid }, members);
    }
}
