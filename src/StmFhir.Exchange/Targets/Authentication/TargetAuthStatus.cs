namespace StmFhir.Exchange.Targets.Authentication;

/// <summary>How each target authenticates, and how its token fetches went (for <c>/exchange/status</c>).</summary>
public interface IFhirTargetAuthStatus
{
    /// <summary>One entry per target, in configuration order.</summary>
    IReadOnlyList<TargetAuthState> List();
}

/// <summary>A target's authentication state. Never a token, an assertion or a secret.</summary>
/// <param name="Target">The target.</param>
/// <param name="Kind">None, Bearer, ClientCredentials or SmartBackendServices.</param>
/// <param name="TokenEndpoint">The token endpoint (configured or discovered), once known.</param>
/// <param name="Scope">The scopes asked for, once known.</param>
/// <param name="ScopeSyntax"><c>v1</c> or <c>v2</c> when StmFhir chose the scopes from the server's capabilities; <c>configured</c> when set.</param>
/// <param name="KeyId">The kid that signs this target's assertions (SMART Backend Services).</param>
/// <param name="TokensFetched">Tokens fetched since start.</param>
/// <param name="LastTokenAt">When the last token was fetched.</param>
/// <param name="TokenExpiresAt">When it expires, by the server's <c>expires_in</c>.</param>
/// <param name="GrantedScope">The scopes the server said it granted, if it said.</param>
/// <param name="LastError">The last failure to get a token; cleared by the next token fetched.</param>
public sealed record TargetAuthState(string Target, string Kind, Uri? TokenEndpoint, string? Scope, string? ScopeSyntax, string? KeyId,
    int TokensFetched, DateTimeOffset? LastTokenAt, DateTimeOffset? TokenExpiresAt, string? GrantedScope, TargetAuthError? LastError);

/// <summary>Why a target got no token.</summary>
/// <param name="Code">The OAuth2 error (<c>invalid_client</c>, <c>invalid_scope</c>, ...) or StmFhir's (<c>clock_skew</c>, <c>unavailable</c>, <c>discovery</c>, <c>refused</c>).</param>
/// <param name="Message">What happened and what to check.</param>
/// <param name="HttpStatus">The token endpoint's status, when it answered.</param>
/// <param name="Transient">True when deliveries wait and try again (back-off); false when they are dead-lettered until the configuration is fixed.</param>
/// <param name="At">When it happened.</param>
public sealed record TargetAuthError(string Code, string Message, int? HttpStatus, bool Transient, DateTimeOffset At);

/// <summary>Every target's <see cref="TargetAuthRecorder"/>; one per process.</summary>
internal sealed class FhirTargetAuthStatus : IFhirTargetAuthStatus
{
    private readonly Dictionary<string, TargetAuthRecorder> _recorders;

    public FhirTargetAuthStatus(ExchangeOptions options) =>
        _recorders = options.Targets.ToDictionary(t => t.Name, t => new TargetAuthRecorder(t.Name, t.Auth.Kind), StringComparer.Ordinal);

    /// <summary>The recorder of <paramref name="target"/>.</summary>
    public TargetAuthRecorder For(string target) => _recorders[target];

    public IReadOnlyList<TargetAuthState> List() => [.. _recorders.Values.Select(r => r.Snapshot())];
}

/// <summary>One target's authentication record; thread-safe.</summary>
internal sealed class TargetAuthRecorder(string target, FhirTargetAuthKind kind)
{
    private readonly Lock _lock = new();
    private TargetAuthState _state = new(target, kind.ToString(), null, null, null, null, 0, null, null, null, null);

    /// <summary>Records where tokens come from and what is asked for.</summary>
    public void Resolved(Uri tokenEndpoint, string scope, string scopeSyntax, string? keyId)
    {
        lock (_lock)
        {
            _state = _state with { TokenEndpoint = tokenEndpoint, Scope = scope, ScopeSyntax = scopeSyntax, KeyId = keyId };
        }
    }

    /// <summary>Records a token fetched at <paramref name="at"/>.</summary>
    public void Fetched(IssuedToken token, DateTimeOffset at)
    {
        lock (_lock)
        {
            _state = _state with
            {
                TokensFetched = _state.TokensFetched + 1, LastTokenAt = at, TokenExpiresAt = at + token.Lifetime, GrantedScope = token.Scope, LastError = null,
            };
        }
    }

    /// <summary>Records a failure to get a token.</summary>
    public void Failed(TokenRequestException error, DateTimeOffset at)
    {
        Telemetry.ExchangeTelemetry.TokenFailure(target, error.Error);
        lock (_lock)
        {
            _state = _state with
            {
                LastError = new TargetAuthError(error.Error ?? "refused", error.Message, error.StatusCode == 0 ? null : error.StatusCode, error.IsTransient, at),
            };
        }
    }

    /// <summary>The state now.</summary>
    public TargetAuthState Snapshot()
    {
        lock (_lock)
        {
            return _state;
        }
    }
}
