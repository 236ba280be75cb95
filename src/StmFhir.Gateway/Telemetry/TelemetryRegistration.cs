using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using StmFhir.Core.Validation;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Targets;
using StmFhir.Exchange.Telemetry;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Telemetry;

/// <summary>
/// OpenTelemetry for the gateway (<see cref="TelemetryOptions"/>): StmFhir's meters and activity sources (intake,
/// validation, exchange), ASP.NET Core's and HttpClient's, and the runtime's; Prometheus at <c>GET /metrics</c>, and
/// OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
/// <remarks>
/// Why the Prometheus exporter (OpenTelemetry.Exporter.Prometheus.AspNetCore, a pre-release package) rather than only
/// OTLP: a hospital's monitoring is most often Prometheus, which pulls; this exporter serves the SDK's own metrics on
/// the gateway's port with no collector in between, and it is the one the SDK maintains. OTLP covers the rest (a
/// collector, or any backend that takes OTLP) and is the only way traces leave.
/// </remarks>
internal static class TelemetryRegistration
{
    /// <summary>The scrape endpoint.</summary>
    public const string MetricsPath = "/metrics";

    private static readonly string[] Meters = [IntakeTelemetry.Name, ValidationTelemetry.Name, ExchangeTelemetry.Name];

    public static IServiceCollection AddGatewayTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(TelemetryOptions.Section);
        services.AddOptions<TelemetryOptions>().Bind(section)
            .Validate(o => !o.Problems().Any(), "Telemetry:ServiceName must not be empty").ValidateOnStart();
        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (!options.Enabled)
        {
            return services;
        }
        var otlp = !string.IsNullOrWhiteSpace(configuration[TelemetryOptions.OtlpEndpointVariable]);
        services.AddOutboxGauges([.. ExchangeOptions.From(configuration).Targets.Select(t => t.Name)]);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Meters).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddRuntimeInstrumentation()
                    .AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            })
            .WithTracing(tracing =>
            {
                tracing.AddSource(Meters)
                    .AddAspNetCoreInstrumentation(o =>
                    {
                        o.Filter = context => !IsProbeOrScrape(context.Request.Path);
                        // http.route (the template) stays; the path and query can hold resource ids and search values.
                        o.EnrichWithHttpResponse = (activity, _) => activity.SetTag("url.path", null).SetTag("url.query", null);
                    })
                    .AddHttpClientInstrumentation(o => o.EnrichWithHttpRequestMessage = (activity, request) =>
                        activity.SetTag("url.full", request.RequestUri?.GetLeftPart(UriPartial.Authority))); // the target, not the resource
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            });
        return services;
    }

    /// <summary>Maps <c>GET /metrics</c> when telemetry is on; with the read scope when <see cref="TelemetryOptions.MetricsRequireAuthorization"/>.</summary>
    public static WebApplication MapGatewayMetrics(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TelemetryOptions>>().Value;
        if (!options.Enabled)
        {
            return app;
        }
        var endpoint = app.MapPrometheusScrapingEndpoint(MetricsPath);
        if (options.MetricsRequireAuthorization)
        {
            endpoint.RequireAuthorization(Scopes.ReadPolicy);
        }
        return app;
    }

    // Orchestrators poll the probes every few seconds and Prometheus the scrape: a trace for each would bury the real ones.
    private static bool IsProbeOrScrape(PathString path) =>
        path.Equals("/healthz", StringComparison.OrdinalIgnoreCase) || path.Equals("/readyz", StringComparison.OrdinalIgnoreCase)
        || path.Equals(MetricsPath, StringComparison.OrdinalIgnoreCase);
}
