using StmFhir.Core.Mapping;
using StmFhir.Exchange.Tests.Peer;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Push;

/// <summary>The same session delivered many times at once: the target ends up with one of each resource.</summary>
[Collection(PeerCollection.Name)]
public sealed class ConcurrentDeliveryTests(PeerFhirServer peer)
{
    [Fact]
    public async Task SameSessionDeliveredConcurrently20TimesYieldsOneResourceOfEachAtThePeer()
    {
        var session = TestSessions.Session("concurrent-20", painScores: 2, romMeasurements: 2);
        using var exchange = new PeerExchange(peer);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => exchange.DeliverAsync(StmBundleMapper.ToBundle(session)))));

        Assert.All(results, r => Assert.True(r.Succeeded, r.Failure?.Message));
        Assert.Single(await exchange.ProceduresAsync(session));
        Assert.Single(await exchange.SearchAsync("Patient", session.Patient.Identifier.System, session.Patient.Identifier.Value));
        Assert.Single(await exchange.SearchAsync("Practitioner", session.Clinician.Identifier.System, session.Clinician.Identifier.Value));
        Assert.Single(await exchange.SearchAsync("Observation", session.SourceSystem, $"{session.SessionId}/pain/1"));
        Assert.Single(await exchange.SearchAsync("Observation", session.SourceSystem, $"{session.SessionId}/rom/1"));
        Assert.Single(results.Select(r => r.Resources.Single(x => x.ResourceType == "Patient").TargetId).Distinct());
    }
}
