using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;

namespace StmFhir.Gateway.Tests.Telemetry;

/// <summary>
/// <c>GET /metrics</c> on the real gateway at 127.0.0.1, with the OTLP exporters aimed at a port where nothing listens:
/// after real session posts the scrape shows intake's counters, validation's layers and ASP.NET Core's request
/// metrics, with labels that carry nothing of the posted session; the failing exports neither break nor hold up requests.
/// </summary>
public sealed class MetricsEndpointTests
{
    private const string SessionId = "STM-OTEL-M-4711";
    private const string Mrn = "MRN-OTEL-998877";
    private const string Family = "Quistorp";

    private static KestrelGatewayFactory Gateway(Dictionary<string, string?>? settings = null)
    {
        var gateway = new KestrelGatewayFactory();
        gateway.StartupSettings["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{ClosedPort()}";
        foreach (var (key, value) in settings ?? [])
        {
            gateway.StartupSettings[key] = value;
            gateway.Settings[key] = value;
        }
        return gateway;
    }

    [Fact]
    public async Task ScrapeAfterSessionPosts_ShowsOutcomesLayersAndRequests_WithNoSessionDataInAnyLabel()
    {
        await using var gateway = Gateway();
        using var client = gateway.RealClient();

        Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, SessionJson.Text(SessionId, Family, Mrn))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, SessionJson.Text(SessionId, Family, Mrn))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(client, "{\"sessionId\":")).StatusCode);
        using var scraper = gateway.RealClient(key: null); // Prometheus scrapes without a credential by default
        var response = await scraper.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Matches(Sample("stmfhir_sessions_total", "stmfhir_session_outcome=\"accepted\""), text);
        Assert.Matches(Sample("stmfhir_sessions_total", "stmfhir_session_outcome=\"unchanged\""), text);
        Assert.Matches(Sample("stmfhir_sessions_total", "stmfhir_refusal_reason=\"unreadable\",stmfhir_session_outcome=\"refused\""), text);
        foreach (var layer in new[] { "structure_profiles_terminology", "bundle_rules", "clinical_rules", "interop_rules" })
        {
            Assert.Matches(Sample("stmfhir_validation_duration_seconds_count", $"stmfhir_validation_layer=\"{layer}\""), text);
        }
        Assert.Matches(new Regex("^http_server_request_duration_seconds_count\\{[^}]*http_route=\"/stm/sessions\"[^}]*\\} [1-9]", RegexOptions.Multiline), text);
        Assert.Matches(new Regex("^dotnet_gc_collections_total\\{", RegexOptions.Multiline), text);
        foreach (var secret in new[] { SessionId, Mrn, Family, "Julia", "1984-06-17", "1047293844" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task OtlpEndpointThatNeverAnswers_NeitherFailsNorHoldsUpSessionPosts()
    {
        // Accepts connections and never answers: the worst an exporter can meet (a closed port at least refuses at once).
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        await using var gateway = Gateway(new() { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}" });
        using var client = gateway.RealClient();

        var slowest = TimeSpan.Zero;
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            var response = await PostAsync(client, SessionJson.Text($"STM-OTEL-S-{i}", mrn: $"MRN-OTEL-S-{i}"));
            slowest = clock.Elapsed > slowest ? clock.Elapsed : slowest;
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        // The exporter's own timeout is 10 s: a request that waited for an export would take at least that.
        Assert.True(slowest < TimeSpan.FromSeconds(8), $"slowest post {slowest}");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task MetricsRequireAuthorization_RefusesAScrapeWithoutACredential_AndServesOneWithTheReadScope()
    {
        await using var gateway = Gateway(new() { ["Telemetry:MetricsRequireAuthorization"] = "true" });

        using var anonymous = gateway.RealClient(key: null);
        using var reader = gateway.RealClient(GatewayFactory.ReadOnlyKey);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task TelemetryDisabled_ServesNoMetricsEndpoint_AndSessionsStillPost()
    {
        await using var gateway = Gateway(new() { ["Telemetry:Enabled"] = "false" });
        using var client = gateway.RealClient();

        Assert.Equal(HttpStatusCode.Created, (await PostAsync(client, SessionJson.Text("STM-OTEL-OFF-1", mrn: "MRN-OTEL-OFF-1"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/metrics")).StatusCode);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string json) =>
        client.PostAsync("/stm/sessions", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

    /// <summary>A sample line of <paramref name="metric"/> whose labels include <paramref name="labels"/> and whose value is at least 1.</summary>
    private static Regex Sample(string metric, string labels) =>
        new($"^{Regex.Escape(metric)}\\{{[^}}]*{Regex.Escape(labels)}[^}}]*\\}} [1-9]", RegexOptions.Multiline);

    /// <summary>A port nothing listens on: bound, read and released.</summary>
    internal static int ClosedPort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
