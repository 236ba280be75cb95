using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace StmFhir.Gateway.Tests.Exchange;

/// <summary>Signing key files as an operator would give them: an RSA PEM file and a JWK set file with an EC P-384 key.</summary>
internal sealed class SmartKeyFiles : IDisposable
{
    public SmartKeyFiles()
    {
        Folder = Path.Combine(Path.GetTempPath(), "stmfhir-keys-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        using var rsa = RSA.Create(2048);
        RsaPem = Path.Combine(Folder, "gateway-rsa.pem");
        File.WriteAllText(RsaPem, rsa.ExportPkcs8PrivateKeyPem());
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var p = ec.ExportParameters(includePrivateParameters: true);
        EcJwks = Path.Combine(Folder, "gateway-ec.jwks.json");
        File.WriteAllText(EcJwks, JsonSerializer.Serialize(new
        {
            keys = new[]
            {
                new Dictionary<string, string>
                {
                    ["kty"] = "EC", ["crv"] = "P-384", ["kid"] = EcKeyId, ["use"] = "sig", ["alg"] = "ES384",
                    ["x"] = Base64UrlEncoder.Encode(p.Q.X), ["y"] = Base64UrlEncoder.Encode(p.Q.Y), ["d"] = Base64UrlEncoder.Encode(p.D),
                },
            },
        }));
    }

    public const string RsaKeyId = "stm-rsa-2025";

    public const string EcKeyId = "stm-ec-2026";

    public string Folder { get; }

    public string RsaPem { get; }

    public string EcJwks { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
