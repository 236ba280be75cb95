using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.Extensions.DependencyInjection;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Tests.Peer;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Exchange;

/// <summary>
/// Sessions posted to the gateway reach the real FHIR peer through the outbox dispatcher: exactly once, past
/// throttling, bursts of 503s and connection resets, past a permanently refused row (replayed after the fix), across a
/// restart of the gateway on the same database, and when one session is posted 20 times at once. The same tests run on
/// SQLite (<see cref="SqliteOutboxDispatchTests"/>) and PostgreSQL (<see cref="PostgresOutboxDispatchTests"/>).
/// </summary>
public abstract class OutboxDispatchBehaviour(PeerFhirServer peer) : IAsyncLifetime
{
    private protected const string SourceSystem = "https://pt.example-clinic.org/stm";
    private protected const string Mrn = "https://example-hospital.org/mrn";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly List<GatewayFactory> _factories = [];

    /// <summary>Settings of a fresh, empty store (<c>Storage:*</c>); two gateways given the same settings share it.</summary>
    private protected abstract Task<Dictionary<string, string?>> NewStorageAsync();

    public virtual async Task InitializeAsync()
    {
        await peer.ResetAsync();
    }

    public virtual async Task DisposeAsync()
    {
        foreach (var factory in _factories)
        {
            await factory.DisposeAsync();
        }
        await peer.ResetAsync();
    }

    private protected GatewayFactory Gateway(Dictionary<string, string?> storage)
    {
        var factory = new GatewayFactory();
        factory.StartupSettings["Exchange:Targets:0:Name"] = "peer";
        factory.StartupSettings["Exchange:Targets:0:BaseUrl"] = peer.BaseUrl.ToString();
        factory.StartupSettings["Exchange:Targets:0:Resilience:MaxRetryAttempts"] = "1";
        factory.StartupSettings["Exchange:Targets:0:Resilience:RetryDelay"] = "00:00:00.020";
        factory.StartupSettings["Exchange:Targets:0:Resilience:CircuitBreakerMinimumThroughput"] = "1000";
        factory.Settings["Exchange:Outbox:PollInterval"] = "00:00:00.100";
        factory.Settings["Exchange:Outbox:RetryDelay"] = "00:00:00.100";
        factory.Settings["Exchange:Outbox:MaxRetryDelay"] = "00:00:00.500";
        factory.Settings["Exchange:Outbox:Lease"] = "00:00:05";
        foreach (var (key, value) in storage)
        {
            factory.Settings[key] = value;
        }
        _factories.Add(factory);
        return factory;
    }

    private protected static async Task PostAsync(HttpClient client, string sessionId, string mrn, int prePain = 6)
    {
        var response = await client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text(sessionId, mrn: mrn, prePain: prePain), "application/json"));
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> StatusAsync(HttpClient client)
    {
        var response = await client.GetAsync("/exchange/status");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private protected static async Task<JsonElement> WaitForAsync(HttpClient client, int delivered, int dead)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = await StatusAsync(client);
            var peerCounts = status.GetProperty("targets").EnumerateArray().FirstOrDefault(t => t.GetProperty("target").GetString() == "peer");
            if (peerCounts.ValueKind == JsonValueKind.Object
                && peerCounts.GetProperty("delivered").GetInt32() == delivered && peerCounts.GetProperty("dead").GetInt32() == dead
                && peerCounts.GetProperty("pending").GetInt32() == 0 && peerCounts.GetProperty("inFlight").GetInt32() == 0)
            {
                return status;
            }
            Assert.True(clock.Elapsed < Patience, $"Not delivered in time: {status}");
            await Task.Delay(100);
        }
    }

    private protected async Task<List<Resource>> PeerSearchAsync(string type, string system, string value)
    {
        using var client = peer.CreateClient();
        var json = await client.GetStringAsync($"{type}?identifier={Uri.EscapeDataString($"{system}|{value}")}&_count=100");
        return [.. new FhirJsonDeserializer().Deserialize<Bundle>(json).Entry.Select(e => e.Resource!)];
    }

    private protected async Task AssertArrivedOnceAsync(string sessionId, string mrn)
    {
        Assert.Single(await PeerSearchAsync("Procedure", SourceSystem, sessionId));
        Assert.Single(await PeerSearchAsync("RiskAssessment", SourceSystem, $"{sessionId}/screening"));
        Assert.Single(await PeerSearchAsync("Patient", Mrn, mrn));
    }

    [Fact]
    public async Task PostedSessions_ArriveAtThePeerExactlyOnce()
    {
        await using var gateway = Gateway(await NewStorageAsync());
        var client = gateway.ClientWithKey();

        await PostAsync(client, "STM-OB-0001", "MRN-OB-1");
        await PostAsync(client, "STM-OB-0002", "MRN-OB-2");
        await PostAsync(client, "STM-OB-0003", "MRN-OB-1");
        await PostAsync(client, "STM-OB-0001", "MRN-OB-1");

        await WaitForAsync(client, delivered: 3, dead: 0);
        await AssertArrivedOnceAsync("STM-OB-0001", "MRN-OB-1");
        await AssertArrivedOnceAsync("STM-OB-0002", "MRN-OB-2");
        await AssertArrivedOnceAsync("STM-OB-0003", "MRN-OB-1");
    }

    [Fact]
    public async Task ASessionEditedAtThePeerAndHere_IsAConflictListedInTheStatus_NotADeadLetter_AndOursArrivesOnceWhenResolved()
    {
        await using var gateway = Gateway(await NewStorageAsync());
        var client = gateway.ClientWithKey();
        await PostAsync(client, "STM-OB-0051", "MRN-OB-51");
        await WaitForAsync(client, delivered: 1, dead: 0);
        // A clinician annotates the session's pain scores in the EHR; here the pre-treatment score is corrected.
        var procedure = Assert.Single(await PeerSearchAsync("Procedure", SourceSystem, "STM-OB-0051"));
        using var peerClient = peer.CreateClient();
        var atPeer = new FhirJsonDeserializer().Deserialize<Bundle>(await peerClient.GetStringAsync($"Observation?part-of=Procedure/{procedure.Id}"))
            .Entry.Select(e => (Observation)e.Resource!).ToList();
        foreach (var observation in atPeer)
        {
            observation.Note = [new Annotation { Text = "checked in the EHR" }];
            using var put = await peerClient.PutAsync($"Observation/{observation.Id}", Http.Fhir(observation));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        await PostAsync(client, "STM-OB-0051", "MRN-OB-51", prePain: 4);

        var status = await WaitForAsync(client, s => s.GetProperty("conflicts").GetArrayLength() > 0 && Peer(s).GetProperty("conflict").GetInt32() == 1);

        Assert.Equal(0, Peer(status).GetProperty("dead").GetInt32());
        var conflict = Assert.Single(status.GetProperty("conflicts").EnumerateArray());
        Assert.Equal(("peer", "push", "open", procedure.Id), (conflict.GetProperty("target").GetString(), conflict.GetProperty("detectedBy").GetString(),
            conflict.GetProperty("state").GetString(), conflict.GetProperty("procedureId").GetString()));
        var changed = Assert.Single(conflict.GetProperty("resources").EnumerateArray());
        Assert.Equal(("Observation", 2), (changed.GetProperty("resourceType").GetString(), changed.GetProperty("localVersion").GetInt32()));
        var theirs = atPeer.Single(o => o.Id == changed.GetProperty("targetId").GetString());
        Assert.NotEqual(changed.GetProperty("syncedTargetVersion").GetString(), changed.GetProperty("targetVersion").GetString());

        var resolved = await gateway.Services.GetRequiredService<IOutboxStore>().ResolveConflictAsync(conflict.GetProperty("id").GetInt64(), "ours");
        var after = await WaitForAsync(client, s => s.GetProperty("conflicts").GetArrayLength() == 0 && Peer(s).GetProperty("delivered").GetInt32() == 2);

        Assert.True(resolved.Decided);
        Assert.Equal(0, Peer(after).GetProperty("conflict").GetInt32());
        var ours = new FhirJsonDeserializer().Deserialize<Observation>(await peerClient.GetStringAsync($"Observation/{theirs.Id}"));
        Assert.Equal(4, ((Integer)ours.Value!).Value);
        Assert.Empty(ours.Note);
        using var history = JsonDocument.Parse(await peerClient.GetStringAsync($"Observation/{theirs.Id}/_history"));
        Assert.Equal(3, history.RootElement.GetProperty("entry").GetArrayLength());
        await AssertArrivedOnceAsync("STM-OB-0051", "MRN-OB-51");
    }

    private static JsonElement Peer(JsonElement status) =>
        status.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("target").GetString() == "peer");

    private static async Task<JsonElement> WaitForAsync(HttpClient client, Func<JsonElement, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = await StatusAsync(client);
            if (done(status))
            {
                return status;
            }
            Assert.True(clock.Elapsed < Patience, $"Not reached in time: {status}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task ThrottlingBurstsAndResets_AreRetriedUntilEverySessionArrivesOnce()
    {
        await peer.SetFaultsAsync("""
            {"steps":[
              {"kind":"status","status":429,"retryAfter":1,"times":2},
              {"kind":"status","status":503,"times":4},
              {"kind":"reset","times":2},
              {"kind":"reset","times":2,"phase":"after"},
              {"kind":"status","status":503,"every":3,"times":4}
            ]}
            """);
        await using var gateway = Gateway(await NewStorageAsync());
        var client = gateway.ClientWithKey();

        await PostAsync(client, "STM-OB-0031", "MRN-OB-31");
        await PostAsync(client, "STM-OB-0032", "MRN-OB-32");
        await PostAsync(client, "STM-OB-0033", "MRN-OB-33");

        await WaitForAsync(client, delivered: 3, dead: 0);
        using (var stats = await peer.GetStatsAsync())
        {
            Assert.True(stats.RootElement.GetProperty("faultsInjected").EnumerateObject().Sum(f => f.Value.GetInt32()) >= 8, stats.RootElement.ToString());
        }
        await peer.ClearFaultsAsync(); // so that the searches below are not faulted themselves
        await AssertArrivedOnceAsync("STM-OB-0031", "MRN-OB-31");
        await AssertArrivedOnceAsync("STM-OB-0032", "MRN-OB-32");
        await AssertArrivedOnceAsync("STM-OB-0033", "MRN-OB-33");
    }

    [Fact]
    public async Task PermanentRefusal_DeadLettersThatRowOnly_AndReplayDeliversIt()
    {
        await peer.SetFaultsAsync($$"""{"rejects":[{"identifier":"{{SourceSystem}}|STM-OB-0012","status":422,"text":"Rejected for the test"}]}""");
        await using var gateway = Gateway(await NewStorageAsync());
        var client = gateway.ClientWithKey();

        await PostAsync(client, "STM-OB-0011", "MRN-OB-11");
        await PostAsync(client, "STM-OB-0012", "MRN-OB-12");
        await PostAsync(client, "STM-OB-0013", "MRN-OB-13");

        var status = await WaitForAsync(client, delivered: 2, dead: 1);
        var dead = Assert.Single(status.GetProperty("dead").EnumerateArray());
        Assert.Equal(422, dead.GetProperty("httpStatus").GetInt32());
        Assert.Equal("OperationOutcome", dead.GetProperty("outcome").GetProperty("resourceType").GetString());
        await AssertArrivedOnceAsync("STM-OB-0011", "MRN-OB-11");
        await AssertArrivedOnceAsync("STM-OB-0013", "MRN-OB-13");
        Assert.Empty(await PeerSearchAsync("Procedure", SourceSystem, "STM-OB-0012"));

        await peer.ClearFaultsAsync();
        var replayed = await gateway.Services.GetRequiredService<IOutboxStore>().ReplayAsync(dead.GetProperty("outboxId").GetInt64());

        Assert.Equal(1, replayed);
        await WaitForAsync(client, delivered: 3, dead: 0);
        await AssertArrivedOnceAsync("STM-OB-0012", "MRN-OB-12");
    }

    [Fact]
    public async Task SameSessionPostedTwentyTimesAtOnce_IsStoredOnce_AndEachResourceArrivesOnce()
    {
        await using var gateway = Gateway(await NewStorageAsync());
        var client = gateway.ClientWithKey();
        var json = SessionJson.Text("STM-OB-0041", mrn: "MRN-OB-41");
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var posts = Enumerable.Range(0, 20).Select(async _ =>
        {
            await go.Task;
            using var response = await client.PostAsync("/stm/sessions", Http.Json(json, "application/json"));
            return (response.StatusCode, Outcome: (await response.ReadJsonAsync()).GetProperty("outcome").GetString());
        }).ToList();
        go.SetResult();
        var answers = await Task.WhenAll(posts);

        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, a.ToString()));
        Assert.Equal(1, answers.Count(a => a.Outcome == "created"));
        Assert.Equal(19, answers.Count(a => a.Outcome == "unchanged"));
        // One stored change, so one outbox row: delivered once.
        await WaitForAsync(client, delivered: 1, dead: 0);

        var stored = await (await client.GetAsync($"/fhir/Procedure?identifier={Uri.EscapeDataString($"{SourceSystem}|STM-OB-0041")}")).ReadFhirAsync<Bundle>();
        var procedure = Assert.Single(stored.Entry).Resource!;
        Assert.Equal("1", procedure.Meta?.VersionId);
        var history = await (await client.GetAsync($"/fhir/Procedure/{procedure.Id}/_history")).ReadFhirAsync<Bundle>();
        Assert.Single(history.Entry);

        var identifiers = SampleSessions.Identifiers(System.Text.Encoding.UTF8.GetBytes(json));
        Assert.Equal(["Patient", "Practitioner", "Procedure", "Observation", "RiskAssessment"], identifiers.Select(i => i.ResourceType).Distinct());
        foreach (var identifier in identifiers)
        {
            Assert.Single(await PeerSearchAsync(identifier.ResourceType, identifier.System, identifier.Value));
        }
    }

    [Fact]
    public async Task Restart_WhileRowsArePending_LosesAndDuplicatesNothing()
    {
        await peer.SetFaultsAsync("""{"steps":[{"kind":"status","status":503,"times":10000}]}""");
        var storage = await NewStorageAsync();
        var first = Gateway(storage);
        var client = first.ClientWithKey();
        await PostAsync(client, "STM-OB-0021", "MRN-OB-21");
        await PostAsync(client, "STM-OB-0022", "MRN-OB-22");
        var before = await StatusAsync(client);
        Assert.Equal(0, before.GetProperty("targets").EnumerateArray().Sum(t => t.GetProperty("delivered").GetInt32()));
        await first.StopAsync();

        await peer.ClearFaultsAsync();
        await using var second = Gateway(storage);
        var again = second.ClientWithKey();

        await WaitForAsync(again, delivered: 2, dead: 0);
        await AssertArrivedOnceAsync("STM-OB-0021", "MRN-OB-21");
        await AssertArrivedOnceAsync("STM-OB-0022", "MRN-OB-22");
    }
}
