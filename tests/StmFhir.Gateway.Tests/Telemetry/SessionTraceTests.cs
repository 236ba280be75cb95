using System.Diagnostics;
using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using StmFhir.Exchange.Tests.Peer;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;

namespace StmFhir.Gateway.Tests.Telemetry;

/// <summary>
/// One trace per session: the POST's trace holds the validation and the store commit, the outbox row carries its W3C
/// trace context, and the delivery to the real test peer is a new trace linked to it; the log events of the POST carry
/// its trace id. Spans are collected by the SDK's in-memory exporter inside the gateway's own tracer provider.
/// </summary>
[Collection(PeerCollection.Name)]
public sealed class SessionTraceTests(PeerFhirServer peer) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public Task InitializeAsync() => peer.ResetAsync();

    public Task DisposeAsync() => peer.ResetAsync();

    [Fact]
    public async Task PostedSession_IsOneTraceThroughCommit_AndItsDeliveryIsANewTraceLinkedToIt()
    {
        var spans = new List<Activity>();
        await using var gateway = new GatewayFactory { ExtraServices = s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans)) };
        gateway.StartupSettings["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{MetricsEndpointTests.ClosedPort()}";
        gateway.StartupSettings["Exchange:Targets:0:Name"] = "peer";
        gateway.StartupSettings["Exchange:Targets:0:BaseUrl"] = peer.BaseUrl.ToString();
        gateway.Settings["Exchange:Outbox:PollInterval"] = "00:00:00.100";
        using var client = gateway.ClientWithKey();
        var traceId = ActivityTraceId.CreateRandom();

        using var post = new HttpRequestMessage(HttpMethod.Post, "/stm/sessions")
        {
            Content = new StringContent(SessionJson.Text("STM-OTEL-T-0001", mrn: "MRN-OTEL-T-1"), System.Text.Encoding.UTF8, "application/json"),
        };
        post.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(post)).StatusCode);

        var traceparent = await OutboxTraceParentAsync(gateway.DataDirectory);
        Assert.Equal(traceId.ToHexString(), traceparent.Split('-')[1]);
        var delivery = await WaitForAsync(spans, a => a.OperationName == "stmfhir.outbox.deliver" && a.Links.Any(l => l.Context.TraceId == traceId));
        Assert.NotEqual(traceId, delivery.TraceId);
        Assert.Equal(default, delivery.ParentSpanId);
        Assert.Equal("peer", delivery.GetTagItem("stmfhir.target"));
        var inTrace = Snapshot(spans).Where(a => a.TraceId == traceId).Select(a => a.OperationName).ToList();
        Assert.Contains("stmfhir.validate", inTrace);
        Assert.Contains("stmfhir.store.commit", inTrace);
        Assert.Contains(Snapshot(spans), a => a.TraceId == delivery.TraceId && a.Kind == ActivityKind.Client); // the POST to the peer
        Assert.Contains($"\"TraceId\":\"{traceId.ToHexString()}\"", gateway.ReadLogs(), StringComparison.Ordinal);
        var mine = Snapshot(spans).Where(a => a.TraceId == traceId || a.TraceId == delivery.TraceId).ToList();
        Assert.DoesNotContain(mine, a => a.TagObjects.Any(t => t.Value?.ToString() is { } v
            && (v.Contains("MRN-OTEL-T-1", StringComparison.Ordinal) || v.Contains("STM-OTEL-T-0001", StringComparison.Ordinal) || v.Contains("Patient/", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task ADeliveryToThePeer_IsCountedByTargetAndResult_AndTheOutboxIsGaugedPerTargetAndState()
    {
        await using var gateway = new GatewayFactory();
        gateway.StartupSettings["Exchange:Targets:0:Name"] = "peer";
        gateway.StartupSettings["Exchange:Targets:0:BaseUrl"] = peer.BaseUrl.ToString();
        gateway.Settings["Exchange:Outbox:PollInterval"] = "00:00:00.100";
        using var client = gateway.ClientWithKey();

        Assert.Equal(HttpStatusCode.Created, (await client.PostAsync("/stm/sessions",
            new StringContent(SessionJson.Text("STM-OTEL-D-0001", mrn: "MRN-OTEL-D-1"), System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        var clock = Stopwatch.StartNew();
        string text;
        do
        {
            Assert.True(clock.Elapsed < Patience, "no delivery counted");
            await Task.Delay(200);
            text = await client.GetStringAsync("/metrics");
        }
        while (!text.Contains("stmfhir_delivery_result=\"delivered\",stmfhir_target=\"peer\"", StringComparison.Ordinal));

        Assert.Contains("stmfhir_outbox_delivery_duration_seconds_count{otel_scope_name=\"StmFhir.Exchange\",stmfhir_target=\"peer\"}", text, StringComparison.Ordinal);
        Assert.Contains("stmfhir_outbox_rows{otel_scope_name=\"StmFhir.Exchange\",stmfhir_outbox_state=\"dead\",stmfhir_target=\"peer\"}", text, StringComparison.Ordinal);
        Assert.Contains("stmfhir_outbox_oldest_pending_age_seconds{otel_scope_name=\"StmFhir.Exchange\",stmfhir_target=\"peer\"}", text, StringComparison.Ordinal);
        Assert.Matches("(?m)^http_client_request_duration_seconds_count\\{[^}]*server_port=\"" + peer.BaseUrl.Port + "\"", text);
        Assert.DoesNotContain("MRN-OTEL-D-1", text, StringComparison.Ordinal);
    }

    private static async Task<string> OutboxTraceParentAsync(string dataDirectory)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "stmfhir.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT traceparent FROM outbox ORDER BY id DESC LIMIT 1";
        return Assert.IsType<string>(await command.ExecuteScalarAsync());
    }

    private static List<Activity> Snapshot(List<Activity> spans)
    {
        lock (spans)
        {
            return [.. spans.ToArray().Where(a => a is not null)];
        }
    }

    private static async Task<Activity> WaitForAsync(List<Activity> spans, Func<Activity, bool> match)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (Snapshot(spans).FirstOrDefault(match) is { } found)
            {
                return found;
            }
            Assert.True(clock.Elapsed < Patience, "no delivery span linked to the session's trace");
            await Task.Delay(100);
        }
    }
}
