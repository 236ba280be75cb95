using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace StmFhir.Exchange.Telemetry;

/// <summary>
/// The exchange's metrics and traces (meter and activity source <c>StmFhir.Exchange</c>): deliveries, token fetches,
/// circuit breakers and pull watermarks. Labels are target names, results, states and OAuth error codes only, never
/// anything read from a resource. The outbox's row counts are observed per host (<c>OutboxGauges</c> beside the outbox).
/// </summary>
public static class ExchangeTelemetry
{
    /// <summary>The meter's and the activity source's name.</summary>
    public const string Name = "StmFhir.Exchange";

    /// <summary>The label that names the target.</summary>
    public const string TargetTag = "stmfhir.target";

    /// <summary>The label of a delivery's result.</summary>
    public const string ResultTag = "stmfhir.delivery.result";

    internal static readonly Meter Meter = new(Name);

    /// <summary>The spans of deliveries (<c>stmfhir.outbox.deliver</c>), each the root of its own trace.</summary>
    public static ActivitySource Source { get; } = new(Name);

    private static readonly Counter<long> Deliveries = Meter.CreateCounter<long>("stmfhir.outbox.delivery.attempts", unit: "{delivery}",
        description: "Outbox rows a dispatcher tried to deliver, by target and result (delivered, transient, dead, conflict, error).");

    private static readonly Histogram<double> DeliveryDuration = Meter.CreateHistogram<double>("stmfhir.outbox.delivery.duration", unit: "s",
        description: "Time of one delivery batch to a target (its transactions, reads and Provenance), by target.");

    private static readonly Counter<long> TokenFailures = Meter.CreateCounter<long>("stmfhir.target.token.failures", unit: "{failure}",
        description: "Failures to get an access token from a target's token endpoint, by target and error code.");

    private static readonly ConcurrentDictionary<string, int> Breakers = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, DateTimeOffset> Watermarks = new(StringComparer.Ordinal);

    static ExchangeTelemetry()
    {
        Meter.CreateObservableGauge("stmfhir.target.breaker.state",
            () => Breakers.Select(b => new Measurement<int>(b.Value, new KeyValuePair<string, object?>(TargetTag, b.Key))),
            unit: "{state}", description: "A target's circuit breaker: 0 closed, 1 half-open, 2 open (targets that delivered since start).");
        Meter.CreateObservableGauge("stmfhir.pull.watermark.lag",
            () => Watermarks.Select(w => new Measurement<double>((TimeProvider.System.GetUtcNow() - w.Value).TotalSeconds,
                new KeyValuePair<string, object?>(TargetTag, w.Key))),
            unit: "s", description: "How far a target's Procedure pull watermark is behind now (targets pulled since start).");
    }

    /// <summary>A breaker's states as the gauge reports them.</summary>
    internal enum BreakerState
    {
        Closed = 0,
        HalfOpen = 1,
        Open = 2,
    }

    /// <summary>Records the state <paramref name="target"/>'s circuit breaker moved to.</summary>
    internal static void Breaker(string target, BreakerState state) => Breakers[target] = (int)state;

    /// <summary>Records <paramref name="target"/>'s Procedure watermark after a pull (a FHIR instant; ignored when not one).</summary>
    internal static void Watermark(string target, string? watermark)
    {
        if (DateTimeOffset.TryParse(watermark, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
        {
            Watermarks[target] = at;
        }
    }

    /// <summary>Counts a failed token fetch; <paramref name="error"/> is reduced to a known OAuth2 or StmFhir code.</summary>
    internal static void TokenFailure(string target, string? error) =>
        TokenFailures.Add(1, new(TargetTag, target), new("stmfhir.token.error", KnownTokenErrors.Contains(error ?? "") ? error : "other"));

    // Codes from RFC 6749 section 5.2 and StmFhir's own (Authentication/TargetAuthStatus.cs): anything else a token
    // endpoint says is "other", so a label never carries free text.
    private static readonly HashSet<string> KnownTokenErrors = new(StringComparer.Ordinal)
    {
        "invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope",
        "clock_skew", "unavailable", "discovery", "refused",
    };

    /// <summary>Records one delivery batch: its duration and each row's result.</summary>
    internal static void Delivered(string target, TimeSpan elapsed, IEnumerable<string> results)
    {
        DeliveryDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(TargetTag, target));
        foreach (var result in results)
        {
            Deliveries.Add(1, new(TargetTag, target), new(ResultTag, result));
        }
    }

    /// <summary>
    /// Starts the span of a delivery batch as the root of a new trace, linked to the trace of each row's request (its
    /// W3C <c>traceparent</c>): a delivery happens later and for several sessions at once, so it belongs to none of them.
    /// </summary>
    internal static Activity? StartDelivery(string target, IReadOnlyList<string?> traceParents)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        var links = traceParents
            .Select(t => t is not null && ActivityContext.TryParse(t, null, out var context) ? new ActivityLink(context) : (ActivityLink?)null)
            .OfType<ActivityLink>().ToList();
        // A new trace, not a child of whatever runs the dispatcher. The caller's flow keeps its own current activity: this
        // runs in an async method, whose changes to Activity.Current do not flow back.
        var previous = Activity.Current;
        Activity.Current = null;
        var activity = Source.StartActivity("stmfhir.outbox.deliver", ActivityKind.Producer, parentContext: default, links: links);
        if (activity is null)
        {
            Activity.Current = previous;
            return null;
        }
        activity.SetTag(TargetTag, target);
        activity.SetTag("stmfhir.outbox.rows", traceParents.Count);
        return activity;
    }
}
