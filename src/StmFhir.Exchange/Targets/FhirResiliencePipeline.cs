using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using StmFhir.Exchange.Telemetry;

namespace StmFhir.Exchange.Targets;

/// <summary>
/// The one resilience pipeline of a target's HttpClient (docs/STYLE.md: resilience is declared once, on the HttpClient):
/// total timeout, retry, circuit breaker, per-attempt timeout; outermost first.
/// </summary>
/// <remarks>
/// Retries every method, POST included, for 408, 429, 5xx, connection failures and attempt timeouts; never other 4xx.
/// Retrying POST is safe here because of what StmFhir POSTs: a transaction or batch whose entries are PUTs to
/// deterministic ids, conditional creates (<c>ifNoneExist</c> on the business identifier) or conditional updates, and
/// reads. Applied twice, each of them leaves the target as applying it once does: the second PUT of the same content
/// creates no version, the second conditional create finds the first one's resource. That holds even when the first
/// attempt was applied and only its answer was lost (a reset after the write, or a timeout). A plain POST create would
/// not be safe, and the deliverer never sends one.
/// The circuit breaker is per target because each target has its own named HttpClient and so its own pipeline: a
/// failing hospital server opens its own circuit and does not slow deliveries to the others.
/// </remarks>
internal static class FhirResiliencePipeline
{
    /// <summary>Adds the strategies: total timeout, retries, the circuit breaker, the per-attempt timeout.</summary>
    /// <param name="builder">The pipeline.</param>
    /// <param name="options">The target's resilience settings.</param>
    /// <param name="circuit">When given, reports the breaker's state to the status page (the FHIR client's, not the token client's).</param>
    /// <param name="breakerOf">The target whose breaker state the metrics report (its FHIR client's pipeline); null for none.</param>
    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, FhirTargetResilienceOptions options,
        Polly.CircuitBreaker.CircuitBreakerStateProvider? circuit = null, string? breakerOf = null)
    {
        builder.AddTimeout(options.TotalTimeout);
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                // Retry-After (429, 503) wins over the computed back-off.
                ShouldRetryAfterHeader = true,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
            });
        }
        builder.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            FailureRatio = options.CircuitBreakerFailureRatio,
            MinimumThroughput = options.CircuitBreakerMinimumThroughput,
            SamplingDuration = options.CircuitBreakerSamplingDuration,
            BreakDuration = options.CircuitBreakerBreakDuration,
            StateProvider = circuit,
            ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome)),
            OnOpened = _ => Breaker(breakerOf, ExchangeTelemetry.BreakerState.Open),
            OnHalfOpened = _ => Breaker(breakerOf, ExchangeTelemetry.BreakerState.HalfOpen),
            OnClosed = _ => Breaker(breakerOf, ExchangeTelemetry.BreakerState.Closed),
        });
        builder.AddTimeout(options.AttemptTimeout);
    }

    private static ValueTask Breaker(string? target, ExchangeTelemetry.BreakerState state)
    {
        if (target is not null)
        {
            ExchangeTelemetry.Breaker(target, state);
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>408, 429, 5xx, and exceptions from the transport or the attempt timeout; never other 4xx.</summary>
    public static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Result: { } response } => response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500,
        { Exception: HttpRequestException or Polly.Timeout.TimeoutRejectedException or IOException } => true,
        _ => false,
    };
}
