using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Tests.Peer;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Push;

/// <summary>Every sample session, delivered to the real peer: it arrives once, a re-delivery changes nothing, a change updates.</summary>
[Collection(PeerCollection.Name)]
public sealed class SampleDeliveryTests(PeerFhirServer peer)
{
    public static TheoryData<string> Samples => TestFiles.SampleSessionNames();

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task SampleSessionArrivesOnceAndDeliveringItAgainChangesNothing(string sample)
    {
        var session = TestFiles.SampleSession(sample);
        var bundle = StmBundleMapper.ToBundle(session);
        using var exchange = new PeerExchange(peer);

        // The peer validates every resource as a strict Medplum does (R4's ras-2 applied literally included).
        var first = await exchange.DeliverAsync(bundle, sample);
        var again = await exchange.DeliverAsync(bundle, sample);

        Assert.True(first.Succeeded, first.Failure?.Message);
        Assert.Equal(bundle.Entry.Count, first.Resources.Count);
        Assert.NotNull(first.Provenance);
        var procedure = Assert.IsType<Procedure>(Assert.Single(await exchange.ProceduresAsync(session)));
        Assert.Equal(bundle.Entry[2].Resource!.Id, procedure.Id);
        var patient = first.Resources.Single(r => r.ResourceType == "Patient");
        Assert.Equal(patient.Reference, procedure.Subject?.Reference);
        Assert.Single(await exchange.SearchAsync("Patient", session.Patient.Identifier.System, session.Patient.Identifier.Value));
        if (session.Screening is { } screening)
        {
            var assessment = Assert.IsType<RiskAssessment>(Assert.Single(await exchange.SearchAsync("RiskAssessment", session.SourceSystem, $"{session.SessionId}/screening")));
            Assert.Equal(screening.Predictions.Count, assessment.Prediction.Count);
        }

        Assert.True(again.Succeeded, again.Failure?.Message);
        Assert.All(again.Resources, r => Assert.Equal(ResourceChange.Unchanged, r.Change));
        Assert.Equal(first.Resources.Select(r => (r.TargetId, r.VersionId)), again.Resources.Select(r => (r.TargetId, r.VersionId)));
        Assert.Equal(procedure.Meta?.VersionId, Assert.Single(await exchange.ProceduresAsync(session)).Meta?.VersionId);
    }

    [Fact]
    public async Task FirstDeliveryCreatesEveryResourceAndRecordsItInAProvenance()
    {
        var session = TestSessions.Session("deliver-first", painScores: 4, romMeasurements: 3);
        using var exchange = new PeerExchange(peer);

        var result = await exchange.DeliverAsync(session);

        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.All(result.Resources, r => Assert.Equal(ResourceChange.Created, r.Change));
        Assert.Equal(2, result.Requests); // one batch (people, versions) and one transaction of PUTs with the Provenance
        var provenance = Assert.IsType<Provenance>(Assert.Single(await ProvenancesOfAsync(exchange, result)));
        Assert.Equal(result.Resources.Select(r => r.Reference).Order(), provenance.Target.Select(t => t.Reference).Order());
        Assert.Equal(result.StartedAt, provenance.Recorded);
        Assert.Equal("deliver-first", provenance.Entity.Single().What?.Identifier?.Value);
    }

    [Fact]
    public async Task ChangedSessionUpdatesTheChangedResourcesToNewVersionsAndLeavesTheRest()
    {
        var session = TestSessions.Session("deliver-changed", painScores: 2);
        using var exchange = new PeerExchange(peer);
        var first = await exchange.DeliverAsync(session);

        var changed = session with { Notes = "Reassessed after the session; tolerated well." };
        var second = await exchange.DeliverAsync(changed);

        Assert.True(second.Succeeded, second.Failure?.Message);
        var before = first.Resources.Single(r => r.ResourceType == "Procedure");
        var after = second.Resources.Single(r => r.ResourceType == "Procedure");
        Assert.Equal(ResourceChange.Updated, after.Change);
        Assert.Equal(before.TargetId, after.TargetId);
        Assert.NotEqual(before.VersionId, after.VersionId);
        Assert.All(second.Resources.Where(r => r.ResourceType != "Procedure"), r => Assert.Equal(ResourceChange.Unchanged, r.Change));
        var stored = Assert.IsType<Procedure>(Assert.Single(await exchange.ProceduresAsync(session)));
        Assert.Equal(after.VersionId, stored.Meta?.VersionId);
        Assert.Equal("Reassessed after the session; tolerated well.", stored.Note.Single().Text);
    }

    [Fact]
    public async Task SessionLargerThanTheTransactionLimitIsSplitIntoPartsAndArrivesWhole()
    {
        var session = TestSessions.Session("deliver-split", painScores: 5, romMeasurements: 4);
        using var exchange = new PeerExchange(peer, t => (t.MaxEntriesPerTransaction, t.MaxConditionalEntriesPerTransaction) = (4, 4));

        var result = await exchange.DeliverAsync(session);

        Assert.True(result.Succeeded, result.Failure?.Message);
        // 2 conditional creates and 12 reads in batches of 4, then 12 PUTs and the Provenance in transactions of 4.
        Assert.Equal(4 + 4, result.Requests);
        Assert.Single(await exchange.ProceduresAsync(session));
        for (var i = 0; i < 5; i++)
        {
            Assert.Single(await exchange.SearchAsync("Observation", session.SourceSystem, $"{session.SessionId}/pain/{i}"));
        }
    }

    [Fact]
    public async Task WithoutReadingVersionsASmallSessionIsOneTransactionAndARedeliveryByAnotherProcessReportsUpdated()
    {
        var session = TestSessions.Session("deliver-no-reads");
        using var exchange = new PeerExchange(peer, t => t.ReadVersionsBeforeWriting = false);
        using var restarted = new PeerExchange(peer, t => t.ReadVersionsBeforeWriting = false);

        var first = await exchange.DeliverAsync(session);
        var again = await exchange.DeliverAsync(session);
        var afterRestart = await restarted.DeliverAsync(session);

        Assert.True(first.Succeeded && again.Succeeded && afterRestart.Succeeded, first.Failure?.Message ?? again.Failure?.Message ?? afterRestart.Failure?.Message);
        Assert.Equal(1, first.Requests); // people, session resources and Provenance: 6 entries, under the cap of 8
        Assert.All(first.Resources, r => Assert.Equal(ResourceChange.Created, r.Change));
        // The same process remembers the versions it wrote: a 200 with the same version is Unchanged.
        Assert.Equal(1, again.Requests);
        Assert.All(again.Resources, r => Assert.Equal(ResourceChange.Unchanged, r.Change));
        // A fresh process knows nothing: a 200 to a PUT cannot tell updated from unchanged without the version read before.
        Assert.Equal(ResourceChange.Updated, afterRestart.Resources.Single(r => r.ResourceType == "Procedure").Change);
        Assert.Equal(first.Resources.Select(r => r.VersionId), afterRestart.Resources.Select(r => r.VersionId));
        Assert.Single(await exchange.ProceduresAsync(session));
    }

    private static async Task<List<Resource>> ProvenancesOfAsync(PeerExchange exchange, DeliveryResult result)
    {
        using var client = exchange.Peer.CreateClient();
        var procedure = result.Resources.Single(r => r.ResourceType == "Procedure").Reference;
        var json = await client.GetStringAsync($"Provenance?target={Uri.EscapeDataString(procedure)}");
        return [.. FhirJson.Deserialize<Bundle>(json).Entry.Select(e => e.Resource!)];
    }
}
