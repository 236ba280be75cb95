using Serilog;
using Serilog.Core;
using Serilog.Events;
using StmFhir.Gateway.Errors;

namespace StmFhir.Gateway.Logging;

/// <summary>
/// Serilog from configuration (section <c>Serilog</c>: a readable console and a compact JSON file by default), with one
/// request event per request: method, route template (never the path or query, which can carry identifiers), status,
/// elapsed time and correlation id. No log line carries patient data.
/// </summary>
internal static class LoggingRegistration
{
    public static IServiceCollection AddGatewayLogging(this IServiceCollection services) =>
        services.AddSerilog((provider, logger) => logger
            .ReadFrom.Configuration(provider.GetRequiredService<IConfiguration>())
            .ReadFrom.Services(provider)
            .Enrich.FromLogContext()
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
            o.EnrichDiagnosticContext = (diagnostics, context) =>
            {
                diagnostics.Set("RouteTemplate", ErrorHandlingMiddleware.RouteTemplate(context));
                diagnostics.Set("CorrelationId", context.TraceIdentifier);
            };
        });

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
