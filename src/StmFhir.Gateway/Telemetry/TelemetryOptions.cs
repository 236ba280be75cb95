namespace StmFhir.Gateway.Telemetry;

/// <summary>
/// Metrics and traces (configuration section <c>Telemetry</c>): OpenTelemetry, scraped at <c>GET /metrics</c> in the
/// Prometheus text format, and exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the standard
/// <c>OTEL_*</c> variables configure the exporter). See docs/OPERATIONS.md.
/// </summary>
internal sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>The OpenTelemetry variable whose presence turns on the OTLP exporters.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Whether metrics and traces are collected at all; off, <c>/metrics</c> is not served either. The default is true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Whether <c>GET /metrics</c> asks for a credential with the read scope (an API key or bearer token, as every
    /// other read). The default is false: Prometheus scrapes without one, as is usual on a port that is not public;
    /// the metrics carry target names, states and counts, never patient data. Set it where the port is reachable by
    /// more than the monitoring system.
    /// </summary>
    public bool MetricsRequireAuthorization { get; set; }

    /// <summary>The <c>service.name</c> resource attribute of exported metrics and traces. The default is <c>stmfhir-gateway</c>.</summary>
    public string ServiceName { get; set; } = "stmfhir-gateway";

    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(ServiceName))
        {
            yield return "Telemetry:ServiceName must not be empty";
        }
    }
}
