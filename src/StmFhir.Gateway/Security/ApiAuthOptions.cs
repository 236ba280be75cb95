namespace StmFhir.Gateway.Security;

/// <summary>Who may call the API (configuration section <c>Authentication</c>): static API keys and/or OAuth2 JWT bearer tokens.</summary>
internal sealed class ApiAuthOptions
{
    public const string Section = "Authentication";

    /// <summary>An environment variable whose value, when set, is accepted as an API key with read and write access.</summary>
    public const string ApiKeyVariable = "STMFHIR_API_KEY";

    /// <summary>Shortest API key accepted, so a key cannot be guessed.</summary>
    public const int MinKeyLength = 16;

    /// <summary>Static API keys, sent as <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c>. The default is none.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];

    /// <summary>JWT bearer tokens; off unless <see cref="JwtOptions.Issuer"/> is set.</summary>
    public JwtOptions Jwt { get; set; } = new();

    /// <summary>How failed credentials are throttled per client address; on by default (10 per minute).</summary>
    public FailureThrottleOptions FailureThrottle { get; set; } = new();

    public void AddEnvironmentKey(string? key)
    {
        if (key is { Length: > 0 } && !ApiKeys.Any(k => k.Key == key))
        {
            ApiKeys.Add(new ApiKeyOptions { Name = ApiKeyVariable, Key = key });
        }
    }

    public IEnumerable<string> Problems()
    {
        for (var i = 0; i < ApiKeys.Count; i++)
        {
            var key = ApiKeys[i];
            if (key.Key is null || key.Key.Length < MinKeyLength)
            {
                yield return $"Authentication:ApiKeys:{i}:Key must have at least {MinKeyLength} characters";
            }
            if (string.IsNullOrWhiteSpace(key.Name))
            {
                yield return $"Authentication:ApiKeys:{i}:Name is required (it names the caller in logs)";
            }
            foreach (var scope in key.Scopes ?? [])
            {
                if (scope is not (Scopes.Read or Scopes.Write or Scopes.Audit))
                {
                    yield return $"Authentication:ApiKeys:{i}:Scopes may hold only '{Scopes.Read}', '{Scopes.Write}' and '{Scopes.Audit}'";
                }
            }
        }
        foreach (var problem in Jwt.Problems().Concat(FailureThrottle.Problems()))
        {
            yield return problem;
        }
    }
}

/// <summary>One static API key.</summary>
internal sealed class ApiKeyOptions
{
    /// <summary>Names the caller in logs (never the key itself).</summary>
    public string Name { get; set; } = "";

    /// <summary>The secret; at least 16 characters.</summary>
    public string Key { get; set; } = "";

    /// <summary>
    /// <c>read</c>, <c>write</c> and/or <c>audit</c> (the audit trail, <c>GET /fhir/AuditEvent</c>). The default (absent)
    /// is read and write, never audit.
    /// </summary>
    public List<string>? Scopes { get; set; }
}

/// <summary>OAuth2 JWT bearer tokens, validated by ASP.NET Core's JwtBearer handler.</summary>
internal sealed class JwtOptions
{
    /// <summary>The expected <c>iss</c>; setting it turns JWT authentication on.</summary>
    public string? Issuer { get; set; }

    /// <summary>The expected <c>aud</c>; required with <see cref="Issuer"/>.</summary>
    public string? Audience { get; set; }

    /// <summary>An OpenID Connect authority whose discovery document supplies the signing keys (instead of listing them).</summary>
    public string? Authority { get; set; }

    /// <summary>Symmetric signing keys (HS256), base64; each at least 32 bytes.</summary>
    public List<string> SymmetricKeys { get; set; } = [];

    /// <summary>RSA public signing keys (RS256), PEM.</summary>
    public List<string> RsaPublicKeys { get; set; } = [];

    public bool Enabled => !string.IsNullOrWhiteSpace(Issuer);

    public IEnumerable<string> Problems()
    {
        if (!Enabled)
        {
            yield break;
        }
        if (string.IsNullOrWhiteSpace(Audience))
        {
            yield return "Authentication:Jwt:Audience is required when Authentication:Jwt:Issuer is set";
        }
        if (SymmetricKeys.Count == 0 && RsaPublicKeys.Count == 0 && string.IsNullOrWhiteSpace(Authority))
        {
            yield return "Authentication:Jwt needs SymmetricKeys, RsaPublicKeys or an Authority to validate signatures";
        }
        foreach (var key in SymmetricKeys)
        {
            var bytes = new byte[key.Length];
            if (!Convert.TryFromBase64String(key, bytes, out var length) || length < 32)
            {
                yield return "Authentication:Jwt:SymmetricKeys must be base64 of at least 32 bytes";
            }
        }
    }
}
