using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Exchange.Tests.Peer;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Exchange;

/// <summary>
/// The gateway's scheduled pull from the real FHIR peer (<c>Exchange:Targets:N:Pull:Enabled</c>): pulled sessions are
/// stored and visible in <c>GET /exchange/status</c>, they are never pushed back to the peer, and a session posted to
/// the gateway, pushed and pulled back again, is recognised.
/// </summary>
[Collection(PeerCollection.Name)]
public sealed class ScheduledPullTests(PeerFhirServer peer) : IAsyncLifetime
{
    private const string SourceSystem = "https://pt.example-clinic.org/stm";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private GatewayFactory? _gateway;

    public async Task InitializeAsync()
    {
        await peer.ResetAsync();
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
        await peer.ResetAsync();
    }

    private HttpClient StartGateway()
    {
        _gateway = new GatewayFactory();
        _gateway.StartupSettings["Exchange:Targets:0:Name"] = "peer";
        _gateway.StartupSettings["Exchange:Targets:0:BaseUrl"] = peer.BaseUrl.ToString();
        _gateway.StartupSettings["Exchange:Targets:0:Resilience:MaxRetryAttempts"] = "1";
        _gateway.StartupSettings["Exchange:Targets:0:Resilience:RetryDelay"] = "00:00:00.020";
        _gateway.StartupSettings["Exchange:Targets:0:Pull:Enabled"] = "true";
        _gateway.StartupSettings["Exchange:Targets:0:Pull:Interval"] = "00:00:00.200";
        _gateway.Settings["Exchange:Outbox:PollInterval"] = "00:00:00.100";
        return _gateway.ClientWithKey();
    }

    /// <summary>
    /// Creates a session at the peer as another system would: every resource POSTed, every id the peer's, and the
    /// screening in the literal ras-2 form, which the peer (validating as Medplum does) requires.
    /// </summary>
    private async Task CreateAtPeerAsync(string sessionId, Func<StmSession, StmSession>? change = null)
    {
        var read = StmSessionReader.Read(SessionJson.Text(sessionId, mrn: "MRN-" + sessionId));
        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        var bundle = StmBundleMapper.ToBundle((change ?? (s => s))(read.Session!));
        foreach (var entry in bundle.Entry)
        {
            if (entry.Resource is RiskAssessment assessment)
            {
                var form = LiteralRas2Form.Apply(JsonSerializer.SerializeToUtf8Bytes(assessment, FhirJson.Compact));
                entry.Resource = JsonSerializer.Deserialize<Resource>(form, FhirJson.Compact);
            }
            entry.Resource!.Id = null;
            entry.Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = entry.Resource.TypeName };
        }
        using var client = peer.CreateClient();
        using var content = new StringContent(FhirJson.Serialize(bundle), Encoding.UTF8, "application/fhir+json");
        using var response = await client.PostAsync("", content);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<int> PeerProceduresAsync(string sessionId)
    {
        using var client = peer.CreateClient();
        var json = await client.GetStringAsync($"Procedure?identifier={Uri.EscapeDataString($"{SourceSystem}|{sessionId}")}");
        return FhirJson.Deserialize<Bundle>(json).Entry.Count;
    }

    private static async Task<JsonElement> WaitForPullAsync(HttpClient client, Func<JsonElement, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var status = JsonDocument.Parse(await client.GetStringAsync("/exchange/status"));
            var pull = status.RootElement.GetProperty("pulls").EnumerateArray().FirstOrDefault(p => p.GetProperty("target").GetString() == "peer");
            if (pull.ValueKind == JsonValueKind.Object && pull.GetProperty("lastCounts").ValueKind == JsonValueKind.Object && done(pull))
            {
                return status.RootElement.Clone();
            }
            Assert.True(clock.Elapsed < Patience, $"No such pull in time: {status.RootElement}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task ASessionCreatedAtThePeer_IsPulledStoredShownInStatusAndNeverPushedBack()
    {
        await CreateAtPeerAsync("STM-PULL-GW-1");
        var client = StartGateway();

        var status = await WaitForPullAsync(client, p => p.GetProperty("lastCounts").GetProperty("created").GetInt32() == 1);
        // Later pulls find it unchanged; meanwhile the dispatcher has had many polls in which it could have pushed it back.
        status = await WaitForPullAsync(client, p => p.GetProperty("lastCounts").GetProperty("unchanged").GetInt32() == 1);

        var pull = status.GetProperty("pulls")[0];
        Assert.True(pull.GetProperty("scheduled").GetBoolean());
        Assert.NotNull(pull.GetProperty("watermark").GetString());
        Assert.Equal(pull.GetProperty("watermark").GetString(), pull.GetProperty("watermarks").GetProperty("Procedure").GetString());
        Assert.Equal(JsonValueKind.Null, pull.GetProperty("lastError").ValueKind);
        var search = await client.GetStringAsync($"/fhir/Procedure?identifier={Uri.EscapeDataString($"{SourceSystem}|STM-PULL-GW-1")}");
        Assert.Single(FhirJson.Deserialize<Bundle>(search).Entry);
        var peerCounts = status.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("target").GetString() == "peer");
        Assert.Equal(1, peerCounts.GetProperty("delivered").GetInt32());
        Assert.Equal(0, peerCounts.GetProperty("pending").GetInt32());
        Assert.Equal(1, await PeerProceduresAsync("STM-PULL-GW-1"));
        // Ids and counts only: neither the patient's name nor their record number reaches the logs.
        var logs = _gateway!.ReadLogs();
        Assert.Contains("Pulled from", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("Hoffmann", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("MRN-STM-PULL-GW-1", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASessionBreakingAClinicalRule_IsNotStoredAndListedInStatusUntilCorrectedAtThePeer()
    {
        await CreateAtPeerAsync("STM-PULL-GW-OK");
        await CreateAtPeerAsync("STM-PULL-GW-BAD", s => s with { Screening = s.Screening! with { Result = ScreeningResult.Contraindicated } });
        var client = StartGateway();

        var status = await WaitForPullAsync(client, p => p.GetProperty("failureCount").GetInt32() == 1);

        var pull = status.GetProperty("pulls")[0];
        var failure = pull.GetProperty("failures")[0];
        var procedureId = failure.GetProperty("procedureId").GetString()!;
        using (var peerClient = peer.CreateClient())
        {
            var atPeer = FhirJson.Deserialize<Procedure>(await peerClient.GetStringAsync($"Procedure/{procedureId}"));
            Assert.Equal(atPeer.Meta?.VersionId, failure.GetProperty("version").GetString());
        }
        var issue = failure.GetProperty("issues")[0];
        Assert.Equal("STM-CLIN-001", issue.GetProperty("code").GetString());
        Assert.StartsWith("Bundle.entry[", issue.GetProperty("expression").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Hoffmann", pull.ToString(), StringComparison.Ordinal);
        var search = await client.GetStringAsync($"/fhir/Procedure?identifier={Uri.EscapeDataString($"{SourceSystem}|STM-PULL-GW-BAD")}");
        Assert.Empty(FhirJson.Deserialize<Bundle>(search).Entry);
        search = await client.GetStringAsync($"/fhir/Procedure?identifier={Uri.EscapeDataString($"{SourceSystem}|STM-PULL-GW-OK")}");
        Assert.Single(FhirJson.Deserialize<Bundle>(search).Entry);

        // Corrected at the peer: the screening says cleared now.
        using (var peerClient = peer.CreateClient())
        {
            // R4 has no search parameter for RiskAssessment.parent.
            var screening = FhirJson.Deserialize<Bundle>(await peerClient.GetStringAsync("RiskAssessment?_count=100")).Entry.Select(e => e.Resource)
                .OfType<RiskAssessment>().Single(r => r.Parent?.Reference?.EndsWith($"Procedure/{procedureId}", StringComparison.Ordinal) == true);
            var corrected = StmBundleMapper.ToBundle(StmSessionReader.Read(SessionJson.Text("STM-PULL-GW-BAD", mrn: "MRN-STM-PULL-GW-BAD")).Session!)
                .Entry.Select(e => e.Resource).OfType<RiskAssessment>().Single();
            screening.Extension = corrected.Extension; // the result is an extension
            using var content = new StringContent(FhirJson.Serialize(screening), Encoding.UTF8, "application/fhir+json");
            using var response = await peerClient.PutAsync($"RiskAssessment/{screening.Id}", content);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        status = await WaitForPullAsync(client, p => p.GetProperty("failureCount").GetInt32() == 0);
        Assert.Empty(status.GetProperty("pulls")[0].GetProperty("failures").EnumerateArray());
        search = await client.GetStringAsync($"/fhir/Procedure?identifier={Uri.EscapeDataString($"{SourceSystem}|STM-PULL-GW-BAD")}");
        Assert.Single(FhirJson.Deserialize<Bundle>(search).Entry);
    }

    [Fact]
    public async Task ASessionPostedHere_PushedAndPulledBack_IsNotStoredAgain()
    {
        var client = StartGateway();
        var posted = await client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text("STM-PULL-GW-2", mrn: "MRN-PULL-GW-2"), "application/json"));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var procedure = JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement.GetProperty("procedure").GetString();

        await WaitForPullAsync(client, p => p.GetProperty("lastCounts").GetProperty("unchanged").GetInt32() == 1);

        var history = FhirJson.Deserialize<Bundle>(await client.GetStringAsync($"/fhir/{procedure}/_history"));
        Assert.Single(history.Entry);
        Assert.Equal(1, await PeerProceduresAsync("STM-PULL-GW-2"));
        using var status = JsonDocument.Parse(await client.GetStringAsync("/exchange/status"));
        var peerCounts = status.RootElement.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("target").GetString() == "peer");
        Assert.Equal(1, peerCounts.GetProperty("delivered").GetInt32());
    }

    [Fact]
    public async Task ASessionWithFindings_PushesItsDetectedIssuesWithIt_AndPullingItBackChangesNeitherSessionNorFindings()
    {
        var client = StartGateway();
        var session = SessionJson.Create("STM-PULL-GW-3", mrn: "MRN-PULL-GW-3", prePain: 2);
        session["complications"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["kind"] = "petechiae" });
        session["painScores"]![1]!["score"] = 7;
        var posted = await client.PostAsync("/stm/sessions", Http.Json(session.ToJsonString(), "application/json"));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var procedure = JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement.GetProperty("procedure").GetString();

        await WaitForPullAsync(client, p => p.GetProperty("lastCounts").GetProperty("unchanged").GetInt32() == 1);

        // Pushed in the session's one outbox row: the peer holds both findings, implicating its copy of the Procedure.
        using (var peerClient = peer.CreateClient())
        {
            var atPeer = FhirJson.Deserialize<Bundle>(await peerClient.GetStringAsync("DetectedIssue?_count=100")).Entry.Select(e => (DetectedIssue)e.Resource!).ToList();
            Assert.Equal(["STM-CLIN-007", "STM-CLIN-008"], atPeer.Select(d => d.Code!.Coding[0].Code).Order());
            Assert.All(atPeer, d => Assert.Contains(d.Implicated, r => r.Reference?.StartsWith("Procedure/", StringComparison.Ordinal) == true));
        }
        // Pull reads sessions, not findings: nothing here got a new version.
        Assert.Single(FhirJson.Deserialize<Bundle>(await client.GetStringAsync($"/fhir/{procedure}/_history")).Entry);
        var local = FhirJson.Deserialize<Bundle>(await client.GetStringAsync($"/fhir/DetectedIssue?implicated={procedure}")).Entry.Select(e => e.Resource!).ToList();
        Assert.Equal(2, local.Count);
        Assert.All(local, d => Assert.Equal("1", d.Meta!.VersionId));
        using var status = JsonDocument.Parse(await client.GetStringAsync("/exchange/status"));
        var peerCounts = status.RootElement.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("target").GetString() == "peer");
        Assert.Equal(1, peerCounts.GetProperty("delivered").GetInt32());
    }
}
