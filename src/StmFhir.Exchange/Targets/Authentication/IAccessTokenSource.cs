namespace StmFhir.Exchange.Targets.Authentication;

/// <summary>Gives the bearer token for a target's next request.</summary>
internal interface IAccessTokenSource
{
    /// <summary>The token to send, or null to send no Authorization header.</summary>
    ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken);

    /// <summary>Forgets a cached token the target refused (401), so the next request gets a new one.</summary>
    void Invalidate(string token);
}

/// <summary>No authentication.</summary>
internal sealed class NoTokenSource : IAccessTokenSource
{
    public static readonly NoTokenSource Instance = new();

    public ValueTask<string?> GetTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(null);

    public void Invalidate(string token)
    {
    }
}
