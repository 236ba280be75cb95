using System.Diagnostics;
using StmFhir.Core.Sessions;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Tests.Peer;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Push;

/// <summary>
/// Delivery while the peer throttles, fails, resets connections or refuses content (its /admin/faults). "Exactly once"
/// is checked by searching the peer by identifier, not by trusting the delivery results.
/// </summary>
[Collection(PeerCollection.Name)]
public sealed class FaultDeliveryTests(PeerFhirServer peer) : IAsyncLifetime
{
    // Also clears the peer's request and fault counts, which these tests read.
    public Task InitializeAsync() => peer.ResetAsync();

    public Task DisposeAsync() => peer.ClearFaultsAsync();

    [Fact]
    public async Task ThrottlingThen503BurstsThenConnectionResetsStillDeliverEverySessionExactlyOnce()
    {
        var sessions = Enumerable.Range(0, 6).Select(i => TestSessions.Session($"fault-mix-{i}", painScores: 3, romMeasurements: 4, patientMrn: "MRN-FAULT-MIX")).ToList();
        await peer.SetFaultsAsync("""
            {"steps":[
              {"kind":"status","status":429,"retryAfter":1,"times":2},
              {"kind":"status","status":503,"times":3},
              {"kind":"status","status":502,"times":2,"methods":["POST"]},
              {"kind":"reset","times":2},
              {"kind":"reset","times":2,"phase":"after"},
              {"kind":"status","status":503,"every":3,"times":4}
            ]}
            """);
        using var exchange = new PeerExchange(peer);
        var clock = Stopwatch.StartNew();

        var results = new List<DeliveryResult>();
        foreach (var session in sessions)
        {
            results.Add(await exchange.DeliverAsync(session));
        }

        Assert.All(results, r => Assert.True(r.Succeeded, r.Failure?.Message));
        var injected = await exchange.FaultsInjectedAsync();
        Assert.Equal(2, injected.GetProperty("status:429").GetInt32());
        Assert.Equal(4, injected.GetProperty("reset").GetInt32());
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), "Retry-After: 1 was not honoured twice");
        foreach (var session in sessions)
        {
            await AssertArrivedOnceAsync(exchange, session);
        }
        Assert.Single(await exchange.SearchAsync("Patient", "https://example-hospital.org/mrn", "MRN-FAULT-MIX"));
    }

    [Fact]
    public async Task ResetAfterTheTransactionWasAppliedIsRetriedAndStillReportsTheResourcesAsCreated()
    {
        var session = TestSessions.Session("fault-after", painScores: 2);
        // The batch passes; the transaction is applied, then its connection reset: the answer is lost, the write is not.
        await peer.SetFaultsAsync("""{"steps":[{"kind":"reset","times":1,"phase":"after","every":2}]}""");
        using var exchange = new PeerExchange(peer);

        var result = await exchange.DeliverAsync(session);

        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.All(result.Resources.Where(r => r.ResourceType is not ("Patient" or "Practitioner")), r => Assert.Equal(ResourceChange.Created, r.Change));
        await AssertArrivedOnceAsync(exchange, session);
    }

    [Fact]
    public async Task Permanent422ForOneSessionIsClassifiedPermanentWithTheOutcomeWhileTheOthersArrive()
    {
        var sessions = Enumerable.Range(0, 3).Select(i => TestSessions.Session($"fault-422-{i}", painScores: 1)).ToList();
        var rejected = sessions[1];
        await peer.SetFaultsAsync($$"""
            {"rejects":[{"identifier":"{{rejected.SourceSystem}}|{{rejected.SessionId}}","status":422,"text":"Rejected for the test"}]}
            """);
        using var exchange = new PeerExchange(peer);

        var results = new List<DeliveryResult>();
        foreach (var session in sessions)
        {
            results.Add(await exchange.DeliverAsync(session));
        }

        var failure = results[1].Failure;
        Assert.NotNull(failure);
        Assert.Equal(DeliveryFailureKind.Permanent, failure.Kind);
        Assert.Equal(422, failure.HttpStatus);
        var issue = Assert.Single(failure.Outcome!.Issue);
        Assert.Equal("Rejected for the test", issue.Details?.Text);
        Assert.Null(results[1].Provenance);
        Assert.Empty(await exchange.ProceduresAsync(rejected));
        using (var stats = await peer.GetStatsAsync())
        {
            // Not retried: a 422 says the content is wrong, and sending it again cannot help.
            Assert.Equal(1, stats.RootElement.GetProperty("requests").GetProperty("byStatus").GetProperty("422").GetInt32());
        }
        Assert.True(results[0].Succeeded && results[2].Succeeded);
        await AssertArrivedOnceAsync(exchange, sessions[0]);
        await AssertArrivedOnceAsync(exchange, sessions[2]);

        await peer.ClearFaultsAsync();
        var replayed = await exchange.DeliverAsync(rejected);

        Assert.True(replayed.Succeeded, replayed.Failure?.Message);
        await AssertArrivedOnceAsync(exchange, rejected);
    }

    [Fact]
    public async Task TargetThatStaysUnavailableIsATransientFailureOnceRetriesAreUsedUp()
    {
        var session = TestSessions.Session("fault-down");
        await peer.SetFaultsAsync("""{"steps":[{"kind":"status","status":503,"times":1000}]}""");
        using var exchange = new PeerExchange(peer, t => t.Resilience.MaxRetryAttempts = 2);
        await exchange.Targets.ProbeAsync(PeerExchange.Target).ContinueWith(_ => { }, TaskScheduler.Default);

        var result = await exchange.DeliverAsync(session);

        Assert.Equal(DeliveryFailureKind.Transient, result.Failure?.Kind);
        Assert.Equal(503, result.Failure?.HttpStatus);
        var injected = await exchange.FaultsInjectedAsync();
        Assert.Equal(2 * 3, injected.GetProperty("status:503").GetInt32()); // the probe and the delivery: 1 attempt + 2 retries each

        await peer.ClearFaultsAsync();
        var later = await exchange.DeliverAsync(session);
        Assert.True(later.Succeeded, later.Failure?.Message);
        await AssertArrivedOnceAsync(exchange, session);
    }

    [Fact]
    public async Task OpenCircuitFailsDeliveriesFastWithoutReachingTheTarget()
    {
        await peer.SetFaultsAsync("""{"steps":[{"kind":"status","status":503,"times":1000}]}""");
        using var exchange = new PeerExchange(peer, t => t.Resilience = new()
        {
            MaxRetryAttempts = 0,
            CircuitBreakerMinimumThroughput = 3,
            CircuitBreakerFailureRatio = 0.5,
            CircuitBreakerSamplingDuration = TimeSpan.FromSeconds(30),
            CircuitBreakerBreakDuration = TimeSpan.FromSeconds(30),
            AttemptTimeout = TimeSpan.FromSeconds(5),
        });

        var results = new List<DeliveryResult>();
        for (var i = 0; i < 5; i++)
        {
            results.Add(await exchange.DeliverAsync(TestSessions.Session($"fault-circuit-{i}")));
        }

        Assert.All(results, r => Assert.Equal(DeliveryFailureKind.Transient, r.Failure?.Kind));
        Assert.Contains("circuit", results[^1].Failure!.Message, StringComparison.OrdinalIgnoreCase);
        var injected = await exchange.FaultsInjectedAsync();
        Assert.Equal(3, injected.GetProperty("status:503").GetInt32());
    }

    private static async Task AssertArrivedOnceAsync(PeerExchange exchange, StmSession session)
    {
        Assert.Single(await exchange.ProceduresAsync(session));
        for (var i = 0; i < session.PainScores.Count; i++)
        {
            Assert.Single(await exchange.SearchAsync("Observation", session.SourceSystem, $"{session.SessionId}/pain/{i}"));
        }
        for (var i = 0; i < session.RomMeasurements.Count; i++)
        {
            Assert.Single(await exchange.SearchAsync("Observation", session.SourceSystem, $"{session.SessionId}/rom/{i}"));
        }
        Assert.Single(await exchange.SearchAsync("RiskAssessment", session.SourceSystem, $"{session.SessionId}/screening"));
        Assert.Single(await exchange.SearchAsync("Patient", session.Patient.Identifier.System, session.Patient.Identifier.Value));
        Assert.Single(await exchange.SearchAsync("Practitioner", session.Clinician.Identifier.System, session.Clinician.Identifier.Value));
    }
}
