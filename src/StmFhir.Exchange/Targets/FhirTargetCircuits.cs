using Polly.CircuitBreaker;

namespace StmFhir.Exchange.Targets;

/// <summary>The circuit breaker of each target's HTTP client, as it stands now (for status pages).</summary>
public interface IFhirTargetCircuits
{
    /// <summary>
    /// The state of <paramref name="target"/>'s circuit: <c>closed</c> (requests go out), <c>open</c> (refused at once
    /// while the target keeps failing), <c>half-open</c> (one trial request), <c>isolated</c>; null for an unknown target
    /// or one whose client has not been used yet.
    /// </summary>
    string? State(string target);
}

/// <summary>One Polly state provider per target, given to the circuit breaker of that target's pipeline when it is built.</summary>
internal sealed class FhirTargetCircuits(ExchangeOptions options) : IFhirTargetCircuits
{
    private readonly Dictionary<string, CircuitBreakerStateProvider> _providers =
        options.Targets.ToDictionary(t => t.Name, _ => new CircuitBreakerStateProvider(), StringComparer.Ordinal);

    /// <summary>The provider for <paramref name="target"/>'s FHIR client pipeline (a provider serves one breaker only).</summary>
    public CircuitBreakerStateProvider For(string target) => _providers[target];

    public string? State(string target)
    {
        if (!_providers.TryGetValue(target, out var provider))
        {
            return null;
        }
        try
        {
            return provider.CircuitState switch
            {
                CircuitState.Closed => "closed",
                CircuitState.Open => "open",
                CircuitState.HalfOpen => "half-open",
                _ => "isolated",
            };
        }
        catch (InvalidOperationException)
        {
            // Not attached yet: the target's client is built on first use.
            return null;
        }
    }
}
