using Serilog;
using Serilog.Core;
using Serilog.Events;
using StmFhir.Gateway.Errors;

namespace StmFhir.Gateway.Logging;

/// <summary>
/// Serilog from configuration (section <c>Serilog</c>: a readable console and a compact JSON file by default), with one
/// request event per request: method, route template (never the path or query, which can carry identifiers), status,
/// elapsed time and correlation id. Every event carries the trace's <c>TraceId</c> and <c>SpanId</c> when one is current
/// (<see cref="TraceIdEnricher"/>). No log line carries patient data.
/// </summary>
internal static class LoggingRegistration
{
    public static IServiceCollection AddGatewayLogging(this IServiceCollection services) =>
        services.AddSerilog((provider, logger) => logger
            .ReadFrom.Configuration(provider.GetRequiredService<IConfiguration>())
            .ReadFrom.Services(provider)
            .Enrich.FromLogContext()
            .Enrich.With<TraceIdEnricher>()
            .Enrich.With<WithoutRequestPaths>(),
            preserveStaticLogger: true); // each host logs through its own logger, never the process-wide static one

    public static IApplicationBuilder UseGatewayRequestLogging(this IApplicationBuilder app) =>
        app.UseSerilogRequestLogging(o =>
        {
            // This host's logger, not the static Log.Logger: several hosts in one process (tests) must not log into each other.
            o.Logger = app.ApplicationServices.GetRequiredService<Serilog.ILogger>();
            o.MessageTemplate = "HTTP {RequestMethod} {RouteTemplate} responded {StatusCode} in {Elapsed:0.0} ms";
            o.GetMessageTemplateProperties = (context, _, elapsed, status) =>
            [
                new LogEventProperty("RequestMethod", new ScalarValue(context.Request.Method)),
                new LogEventProperty("StatusCode", new ScalarValue(status)),
                new LogEventProperty("Elapsed", new ScalarValue(elapsed)),
            ];
            o.GetLevel = LevelOf;
            o.EnrichDiagnosticContext = (diagnostics, context) =>
            {
                diagnostics.Set("RouteTemplate", ErrorHandlingMiddleware.RouteTemplate(context));
                diagnostics.Set("CorrelationId", context.TraceIdentifier);
            };
        });

    /// <summary>
    /// Health probes at Debug whatever they answer: an orchestrator polls <c>/readyz</c> every few seconds, and its 503
    /// while the validation cache fills is the expected answer, not an error. Other requests: Error for a 5xx or an
    /// exception, Information otherwise.
    /// </summary>
    internal static LogEventLevel LevelOf(HttpContext context, double elapsedMs, Exception? exception)
    {
        var path = context.Request.Path;
        if (path.Equals("/healthz", StringComparison.OrdinalIgnoreCase) || path.Equals("/readyz", StringComparison.OrdinalIgnoreCase))
        {
            return LogEventLevel.Debug;
        }
        return exception is not null || context.Response.StatusCode >= StatusCodes.Status500InternalServerError
            ? LogEventLevel.Error
            : LogEventLevel.Information;
    }

    /// <summary>Drops the request path and query that ASP.NET Core puts on its log scopes: ids and search values must not reach the logs.</summary>
    private sealed class WithoutRequestPaths : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
        {
            logEvent.RemovePropertyIfPresent("RequestPath");
            logEvent.RemovePropertyIfPresent("Path");
            logEvent.RemovePropertyIfPresent("QueryString");
        }
    }
}
