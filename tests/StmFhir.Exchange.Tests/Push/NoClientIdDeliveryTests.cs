using StmFhir.Core.Mapping;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Targets;
using StmFhir.Exchange.Tests.Peer;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Push;

/// <summary>
/// A target that assigns its own ids (updateCreate false, as Medplum without canSetId): resources are written by
/// conditional update on their business identifier, in transactions within the conditional cap.
/// </summary>
[Collection(PeerCollection.Name)]
public sealed class NoClientIdDeliveryTests(PeerFhirServer peer) : IAsyncLifetime
{
    public Task InitializeAsync() => peer.ConfigureAsync("""{"updateCreate":false}""");

    public Task DisposeAsync() => peer.ConfigureAsync("""{"updateCreate":true}""");

    [Fact]
    public async Task SessionArrivesByConditionalUpdateWithTheTargetsIdsAndARedeliveryChangesNothing()
    {
        var session = TestSessions.Session("no-client-ids", painScores: 4, romMeasurements: 3);
        using var exchange = new PeerExchange(peer);

        var first = await exchange.DeliverAsync(session);
        var again = await exchange.DeliverAsync(session);

        Assert.True(first.Succeeded, first.Failure?.Message);
        Assert.False((await exchange.Targets.GetCapabilitiesAsync(PeerExchange.Target)).AcceptsClientIds("Procedure"));
        Assert.All(first.Resources, r => Assert.Equal(ResourceChange.Created, r.Change));
        var procedure = Assert.Single(await exchange.ProceduresAsync(session));
        Assert.NotEqual(StmBundleMapper.ToBundle(session).Entry[2].Resource!.Id, procedure.Id);
        Assert.Equal(first.Resources.Single(r => r.ResourceType == "Procedure").TargetId, procedure.Id);
        Assert.NotNull(first.Provenance);

        Assert.True(again.Succeeded, again.Failure?.Message);
        Assert.All(again.Resources, r => Assert.Equal(ResourceChange.Unchanged, r.Change));
        Assert.Single(await exchange.ProceduresAsync(session));
        Assert.Single(await exchange.SearchAsync("Observation", session.SourceSystem, $"{session.SessionId}/rom/2"));
    }

    [Fact]
    public async Task TargetThatRefusesATransactionAsTooLargeGetsSmallerOnesAndTheSessionStillArrives()
    {
        var session = TestSessions.Session("no-client-ids-cap", painScores: 5, romMeasurements: 5);
        // Configured above the peer's real cap of 8: the first transaction is refused, split, and the cap learned.
        using var exchange = new PeerExchange(peer, t => t.MaxConditionalEntriesPerTransaction = 40);

        var result = await exchange.DeliverAsync(session);

        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.Single(await exchange.ProceduresAsync(session));
        Assert.Single(await exchange.SearchAsync("Observation", session.SourceSystem, $"{session.SessionId}/pain/4"));
        var limits = ((FhirTargets)exchange.Targets).TransactionLimits(PeerExchange.Target);
        Assert.True(limits.Conditional <= 8, $"learned conditional limit {limits.Conditional}");
    }
}
