using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Tests.Peer;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Push;

/// <summary>
/// What the deliverer remembers about a target (people's ids, the versions it wrote) saves round trips and never
/// makes a delivery wrong: checked against the real peer, also after the peer deleted or changed what was remembered.
/// </summary>
[Collection(PeerCollection.Name)]
public sealed class TargetMemoryDeliveryTests(PeerFhirServer peer)
{
    [Fact]
    public async Task RedeliveryOfASessionIsOneTransactionAndReportsEverythingUnchanged()
    {
        var session = TestSessions.Session("memory-again", painScores: 3, romMeasurements: 2);
        using var exchange = new PeerExchange(peer);

        var first = await exchange.DeliverAsync(session);
        var again = await exchange.DeliverAsync(session);

        Assert.True(first.Succeeded && again.Succeeded, first.Failure?.Message ?? again.Failure?.Message);
        Assert.Equal(1, again.Requests); // no batch: the people's ids and every version are remembered
        Assert.All(again.Resources, r => Assert.Equal(ResourceChange.Unchanged, r.Change));
        Assert.Equal(first.Resources.Select(r => (r.TargetId, r.VersionId)), again.Resources.Select(r => (r.TargetId, r.VersionId)));
        Assert.NotNull(again.Provenance);
    }

    [Fact]
    public async Task NewSessionOfRememberedPeopleLargerThanTheConditionalCapIsOneTransactionWithoutReads()
    {
        var first = TestSessions.Session("memory-people-1", patientMrn: "MRN-MEMORY", clinicianId: "staff-memory");
        var second = TestSessions.Session("memory-people-2", painScores: 5, romMeasurements: 4, patientMrn: "MRN-MEMORY", clinicianId: "staff-memory");
        using var exchange = new PeerExchange(peer, t => t.ReadVersionsBeforeWriting = false);

        var one = await exchange.DeliverAsync(first);
        var two = await exchange.DeliverAsync(second);

        Assert.True(one.Succeeded && two.Succeeded, one.Failure?.Message ?? two.Failure?.Message);
        // 14 entries and the Provenance, no conditional entry: one transaction (the cap of 8 would need a batch first).
        Assert.Equal(1, two.Requests);
        Assert.All(two.Resources.Where(r => r.ResourceType is not ("Patient" or "Practitioner")), r => Assert.Equal(ResourceChange.Created, r.Change));
        Assert.Equal(ResourceChange.Unchanged, two.Resources.Single(r => r.ResourceType == "Patient").Change);
        var patient = Assert.Single(await exchange.SearchAsync("Patient", "https://example-hospital.org/mrn", "MRN-MEMORY"));
        var procedure = Assert.IsType<Procedure>(Assert.Single(await exchange.ProceduresAsync(second)));
        Assert.Equal($"Patient/{patient.Id}", procedure.Subject.Reference);
    }

    [Fact]
    public async Task NewSessionKnownToBeNewAtTheTargetOfRememberedPeopleIsOneTransactionWithEverythingCreated()
    {
        var first = TestSessions.Session("memory-new-1", patientMrn: "MRN-NEW", clinicianId: "staff-new");
        var second = TestSessions.Session("memory-new-2", painScores: 3, romMeasurements: 2, patientMrn: "MRN-NEW", clinicianId: "staff-new");
        using var exchange = new PeerExchange(peer);
        await exchange.DeliverAsync(first);

        var result = await exchange.Deliverer.DeliverAsync(new DeliveryRequest(PeerExchange.Target, StmFhir.Core.Mapping.StmBundleMapper.ToBundle(second)) { NewAtTarget = true });

        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.Equal(1, result.Requests); // no reads, no conditional creates
        Assert.All(result.Resources.Where(r => r.ResourceType is not ("Patient" or "Practitioner")), r => Assert.Equal(ResourceChange.Created, r.Change));
        Assert.Single(await exchange.ProceduresAsync(second));
    }

    [Fact]
    public async Task NewAtTheTargetAndTheTransactionsAnswerLostIsRetriedAndStillReportsCreated()
    {
        var first = TestSessions.Session("memory-lost-1", patientMrn: "MRN-LOST", clinicianId: "staff-lost");
        var second = TestSessions.Session("memory-lost-2", painScores: 2, patientMrn: "MRN-LOST", clinicianId: "staff-lost");
        using var exchange = new PeerExchange(peer);
        await exchange.DeliverAsync(first);
        // The one transaction is applied, then its connection reset: the pipeline sends it again and gets 200s.
        await peer.SetFaultsAsync("""{"steps":[{"kind":"reset","times":1,"phase":"after"}]}""");

        DeliveryResult result;
        try
        {
            result = await exchange.Deliverer.DeliverAsync(new DeliveryRequest(PeerExchange.Target, StmFhir.Core.Mapping.StmBundleMapper.ToBundle(second)) { NewAtTarget = true });
        }
        finally
        {
            await peer.ClearFaultsAsync();
        }

        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.All(result.Resources.Where(r => r.ResourceType is not ("Patient" or "Practitioner")), r => Assert.Equal(ResourceChange.Created, r.Change));
        Assert.Single(await exchange.ProceduresAsync(second));
    }

    [Fact]
    public async Task PatientDeletedAtTheTargetIsCreatedAgainAndTheSessionRefersToTheNewOne()
    {
        var first = TestSessions.Session("memory-deleted-1", patientMrn: "MRN-DELETED", clinicianId: "staff-deleted");
        var second = TestSessions.Session("memory-deleted-2", painScores: 2, patientMrn: "MRN-DELETED", clinicianId: "staff-deleted");
        var third = TestSessions.Session("memory-deleted-3", patientMrn: "MRN-DELETED", clinicianId: "staff-deleted");
        using var exchange = new PeerExchange(peer);
        var one = await exchange.DeliverAsync(first);
        var deleted = one.Resources.Single(r => r.ResourceType == "Patient");
        using (var client = peer.CreateClient())
        {
            // The session that referred to it goes first, as a target with referential integrity would insist.
            (await client.DeleteAsync(one.Resources.Single(r => r.ResourceType == "Procedure").Reference)).EnsureSuccessStatusCode();
            (await client.DeleteAsync(deleted.Reference)).EnsureSuccessStatusCode();
        }

        var two = await exchange.DeliverAsync(second);
        var three = await exchange.DeliverAsync(third);

        Assert.True(two.Succeeded, two.Failure?.Message);
        // Reads, then the transaction refused (its read of the remembered Patient answers 410), then reads and
        // conditional creates, and the transaction again.
        Assert.Equal(4, two.Requests);
        var patient = Assert.Single(await exchange.SearchAsync("Patient", "https://example-hospital.org/mrn", "MRN-DELETED"));
        Assert.NotEqual(deleted.TargetId, patient.Id);
        Assert.Equal(ResourceChange.Created, two.Resources.Single(r => r.ResourceType == "Patient").Change);
        Assert.Equal($"Patient/{patient.Id}", Assert.IsType<Procedure>(Assert.Single(await exchange.ProceduresAsync(second))).Subject.Reference);
        // The new id is remembered in turn.
        Assert.True(three.Succeeded, three.Failure?.Message);
        Assert.Equal(patient.Id, three.Resources.Single(r => r.ResourceType == "Patient").TargetId);
        Assert.Equal($"Patient/{patient.Id}", Assert.IsType<Procedure>(Assert.Single(await exchange.ProceduresAsync(third))).Subject.Reference);
    }

    [Fact]
    public async Task ResourceChangedAtTheTargetSinceTheLastDeliveryIsWrittenBackAndReportedUpdated()
    {
        var session = TestSessions.Session("memory-changed");
        using var exchange = new PeerExchange(peer);
        var first = await exchange.DeliverAsync(session);
        var procedure = first.Resources.Single(r => r.ResourceType == "Procedure");
        using (var client = peer.CreateClient())
        {
            var stored = FhirJson.Deserialize<Procedure>(await client.GetStringAsync(procedure.Reference));
            stored.Note = [new Annotation { Text = "Edited at the target" }];
            using var content = new StringContent(FhirJson.Serialize(stored), System.Text.Encoding.UTF8, "application/fhir+json");
            (await client.PutAsync(procedure.Reference, content)).EnsureSuccessStatusCode();
        }

        var again = await exchange.DeliverAsync(session);

        Assert.True(again.Succeeded, again.Failure?.Message);
        Assert.Equal(ResourceChange.Updated, again.Resources.Single(r => r.ResourceType == "Procedure").Change);
        var now = Assert.IsType<Procedure>(Assert.Single(await exchange.ProceduresAsync(session)));
        Assert.DoesNotContain(now.Note, n => n.Text == "Edited at the target");
        Assert.All(again.Resources.Where(r => r.ResourceType != "Procedure"), r => Assert.Equal(ResourceChange.Unchanged, r.Change));
    }
}
