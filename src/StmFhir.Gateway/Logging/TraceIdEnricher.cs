using System.Diagnostics;
using Serilog.Core;
using Serilog.Events;

namespace StmFhir.Gateway.Logging;

/// <summary>
/// Puts the current trace's ids on every log event as <c>TraceId</c> and <c>SpanId</c>, so a log line leads to its
/// trace (and a trace to its log lines) in whatever system receives both. Nothing when no activity is current.
/// </summary>
internal sealed class TraceIdEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        if (Activity.Current is not { IdFormat: ActivityIdFormat.W3C } activity)
        {
            return;
        }
        logEvent.AddPropertyIfAbsent(new LogEventProperty("TraceId", new ScalarValue(activity.TraceId.ToHexString())));
        logEvent.AddPropertyIfAbsent(new LogEventProperty("SpanId", new ScalarValue(activity.SpanId.ToHexString())));
    }
}
