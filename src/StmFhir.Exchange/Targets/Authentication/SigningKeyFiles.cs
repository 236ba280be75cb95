using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace StmFhir.Exchange.Targets.Authentication;

/// <summary>Reads private keys from PEM files and JWK set files (<see cref="SigningKeyFileOptions"/>).</summary>
internal static class SigningKeyFiles
{
    /// <summary>The keys of one file; throws <see cref="ArgumentException"/> with what is wrong (never the key's content).</summary>
    public static IReadOnlyList<SigningKey> Read(SigningKeyFileOptions file)
    {
        if (string.IsNullOrWhiteSpace(file.Path))
        {
            throw new ArgumentException("Path is required");
        }
        string text;
        try
        {
            text = File.ReadAllText(file.Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot be read ({e.GetType().Name})");
        }
        if (text.TrimStart().StartsWith('{'))
        {
            if (!string.IsNullOrEmpty(file.KeyId))
            {
                throw new ArgumentException("KeyId is for PEM files; a JWK set file's keys carry their own kid");
            }
            return ReadJwkSet(text);
        }
        return [ReadPem(text, string.IsNullOrEmpty(file.KeyId) ? null : file.KeyId)];
    }

    private static SigningKey ReadPem(string pem, string? keyId)
    {
        if (pem.Contains("ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new ArgumentException("the PEM key is encrypted; give an unencrypted key in a file only the gateway can read");
        }
        if (!pem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new ArgumentException("no PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY) found");
        }
        // A PKCS#8 PRIVATE KEY may hold either kind: RSA is tried first, then EC.
        if (!pem.Contains("EC PRIVATE KEY", StringComparison.Ordinal))
        {
            var rsa = RSA.Create();
            if (TryImport(rsa, pem))
            {
                return SigningKey.FromRsa(rsa, keyId);
            }
            rsa.Dispose();
        }
        var ecdsa = ECDsa.Create();
        if (TryImport(ecdsa, pem))
        {
            return SigningKey.FromEcdsa(ecdsa, keyId);
        }
        ecdsa.Dispose();
        throw new ArgumentException("the PEM private key is neither an RSA nor an EC key that can be read");
    }

    private static bool TryImport(AsymmetricAlgorithm key, string pem)
    {
        try
        {
            key.ImportFromPem(pem);
            return true;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return false;
        }
    }

    private static IReadOnlyList<SigningKey> ReadJwkSet(string json)
    {
        JsonWebKeySet set;
        try
        {
            set = new JsonWebKeySet(json);
        }
        catch (Exception e) when (e is ArgumentException or JsonException)
        {
            throw new ArgumentException("is not a JWK set ({\"keys\":[...]})");
        }
        if (set.Keys.Count == 0)
        {
            throw new ArgumentException("the JWK set holds no keys");
        }
        return [.. set.Keys.Select((jwk, i) => ReadJwk(jwk, i))];
    }

    private static SigningKey ReadJwk(JsonWebKey jwk, int index)
    {
        var kid = string.IsNullOrEmpty(jwk.Kid) ? null : jwk.Kid;
        try
        {
            switch (jwk.Kty)
            {
                case "RSA" when jwk.D is { Length: > 0 }:
                    var rsa = RSA.Create();
                    rsa.ImportParameters(new RSAParameters
                    {
                        Modulus = Bytes(jwk.N), Exponent = Bytes(jwk.E), D = Bytes(jwk.D), P = Bytes(jwk.P), Q = Bytes(jwk.Q),
                        DP = Bytes(jwk.DP), DQ = Bytes(jwk.DQ), InverseQ = Bytes(jwk.QI),
                    });
                    return Checked(SigningKey.FromRsa(rsa, kid), jwk);
                case "EC" when jwk.D is { Length: > 0 }:
                    if (jwk.Crv != "P-384")
                    {
                        throw new ArgumentException($"the EC key is on {jwk.Crv}; SMART Backend Services needs P-384 (ES384)");
                    }
                    var ecdsa = ECDsa.Create(new ECParameters
                    {
                        Curve = ECCurve.NamedCurves.nistP384, Q = new ECPoint { X = Bytes(jwk.X), Y = Bytes(jwk.Y) }, D = Bytes(jwk.D),
                    });
                    return Checked(SigningKey.FromEcdsa(ecdsa, kid), jwk);
                case "RSA" or "EC":
                    throw new ArgumentException("the key is public; a private key (with \"d\") is required");
                default:
                    throw new ArgumentException($"kty '{jwk.Kty}' is not RSA or EC");
            }
        }
        catch (CryptographicException)
        {
            throw new ArgumentException($"keys[{index}] is not a consistent {jwk.Kty} private key");
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"keys[{index}]: {e.Message}");
        }
    }

    // A key whose own "alg" names another algorithm than the one its kind signs with is a configuration mistake.
    private static SigningKey Checked(SigningKey key, JsonWebKey jwk) =>
        string.IsNullOrEmpty(jwk.Alg) || jwk.Alg == key.Algorithm
            ? key
            : throw new ArgumentException($"its alg '{jwk.Alg}' is not {key.Algorithm}, the only algorithm a {jwk.Kty} key signs with here");

    private static byte[]? Bytes(string? base64Url) => string.IsNullOrEmpty(base64Url) ? null : Base64UrlEncoder.DecodeBytes(base64Url);
}
