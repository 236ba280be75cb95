using System.Text.Json;

namespace StmFhir.Exchange.Targets.Authentication;

/// <summary>The gateway's SMART Backend Services signing keys, as far as others may see them: the public parts.</summary>
public interface ISigningKeys
{
    /// <summary>
    /// The public part of every configured key as a JWK set (<c>{"keys":[...]}</c>, UTF-8 JSON): kty, kid, use, alg
    /// and n/e or crv/x/y. Nothing private. An empty set when no key is configured.
    /// </summary>
    ReadOnlyMemory<byte> PublicJwkSet { get; }
}

/// <summary>The loaded keys (<see cref="SigningKeysOptions"/>), in configuration order; read once at start.</summary>
internal sealed class SigningKeyRing : ISigningKeys
{
    private readonly IReadOnlyList<SigningKey> _keys;

    private SigningKeyRing(IReadOnlyList<SigningKey> keys, Uri? jwksUrl)
    {
        _keys = keys;
        JwksUrl = jwksUrl;
        var set = new { keys = keys.Select(k => k.PublicJwk).ToList() };
        PublicJwkSet = JsonSerializer.SerializeToUtf8Bytes(set);
    }

    /// <summary>The published JWKS URL, sent as <c>jku</c> when set.</summary>
    public Uri? JwksUrl { get; }

    /// <inheritdoc />
    public ReadOnlyMemory<byte> PublicJwkSet { get; }

    /// <summary>The kids, in order.</summary>
    public IEnumerable<string> KeyIds => _keys.Select(k => k.KeyId);

    /// <summary>The key with <paramref name="keyId"/>, or the first when it is null; null when there is no such key.</summary>
    public SigningKey? Find(string? keyId) =>
        string.IsNullOrEmpty(keyId) ? _keys.FirstOrDefault() : _keys.FirstOrDefault(k => k.KeyId == keyId);

    /// <summary>Reads every file of <paramref name="options"/>; every problem, each naming its setting, goes to <paramref name="problems"/>.</summary>
    public static SigningKeyRing Load(SigningKeysOptions options, List<string> problems)
    {
        var keys = new List<SigningKey>();
        var at = $"{ExchangeOptions.SectionName}:SigningKeys";
        if (options.JwksUrl is { } url && !(url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp)))
        {
            problems.Add($"{at}:JwksUrl '{url}' must be an absolute http or https URL");
        }
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var file = options.Keys[i];
            try
            {
                keys.AddRange(SigningKeyFiles.Read(file));
            }
            catch (ArgumentException e)
            {
                // The message says what is wrong with the file, never what it holds.
                problems.Add($"{at}:Keys:{i} ('{file.Path}'): {e.Message}");
            }
        }
        foreach (var duplicate in keys.GroupBy(k => k.KeyId, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"{at}: the kid '{duplicate.Key}' is used by {duplicate.Count()} keys; each key needs its own");
        }
        return new SigningKeyRing(keys, options.JwksUrl);
    }
}
