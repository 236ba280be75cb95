namespace StmFhir.Exchange.Targets.Authentication;

/// <summary>
/// The gateway's signing keys for SMART Backend Services (configuration section <c>Exchange:SigningKeys</c>). Keys are
/// read from files only, never from a setting's value: a setting's value can land in a log or a process listing.
/// Loaded and checked at start; a key that cannot be read stops the start with a message naming its file.
/// </summary>
public sealed class SigningKeysOptions
{
    /// <summary>
    /// Where the hospital fetches the gateway's public keys, e.g. <c>https://gateway.example.org/.well-known/jwks.json</c>.
    /// When set, every assertion carries it as the <c>jku</c> header; when not, no <c>jku</c> is sent (the client's
    /// JWKS URL is then what the hospital registered). No default.
    /// </summary>
    public Uri? JwksUrl { get; set; }

    /// <summary>
    /// The key files, in order of preference: a target without <see cref="FhirTargetAuthOptions.KeyId"/> signs with the
    /// first. During a rotation list the new key first and the old one second; both are published. None by default.
    /// </summary>
    public IList<SigningKeyFileOptions> Keys { get; init; } = [];
}

/// <summary>One key file (<c>Exchange:SigningKeys:Keys:N</c>).</summary>
public sealed class SigningKeyFileOptions
{
    /// <summary>
    /// A PEM file with one unencrypted private key (PKCS#8 <c>PRIVATE KEY</c>, <c>RSA PRIVATE KEY</c> or
    /// <c>EC PRIVATE KEY</c>), or a JWK set file (JSON, <c>{"keys":[...]}</c>) of private keys. RSA keys of at least 2048
    /// bits sign RS384; EC keys on P-384 sign ES384; other keys are refused. Required.
    /// </summary>
    public string Path { get; set; } = "";

    /// <summary>
    /// The <c>kid</c> of a PEM file's key. The default is the key's RFC 7638 JWK thumbprint. A JWK set file's keys keep
    /// their own <c>kid</c> (or get their thumbprint), and this setting must then be empty.
    /// </summary>
    public string? KeyId { get; set; }
}
