using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Tests.Peer;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Push;

/// <summary>Several Bundles in one call share the batch of reads and conditional creates, and stay independent otherwise.</summary>
[Collection(PeerCollection.Name)]
public sealed class GroupedDeliveryTests(PeerFhirServer peer)
{
    [Fact]
    public async Task SessionsOfOneNewPatientShareOneBatchAndTheTargetHoldsOnePatientAndEverySessionOnce()
    {
        var sessions = Enumerable.Range(0, 3).Select(i => TestSessions.Session($"group-{i}", painScores: i + 1, patientMrn: "MRN-GROUP", clinicianId: "staff-group")).ToList();
        using var exchange = new PeerExchange(peer);

        var results = await exchange.Deliverer.DeliverAllAsync([.. sessions.Select(s => new DeliveryRequest(PeerExchange.Target, StmBundleMapper.ToBundle(s)) { SourceId = s.SessionId })]);

        Assert.All(results, r => Assert.True(r.Succeeded, r.Failure?.Message));
        // Each took part in the one shared batch and sent its own transaction.
        Assert.All(results, r => Assert.Equal(2, r.Requests));
        var patient = Assert.Single(await exchange.SearchAsync("Patient", "https://example-hospital.org/mrn", "MRN-GROUP"));
        Assert.Single(await exchange.SearchAsync("Practitioner", "https://pt.example-clinic.org/staff", "staff-group"));
        foreach (var (session, result) in sessions.Zip(results))
        {
            var procedure = Assert.IsType<Procedure>(Assert.Single(await exchange.ProceduresAsync(session)));
            Assert.Equal($"Patient/{patient.Id}", procedure.Subject.Reference);
            Assert.All(result.Resources.Where(r => r.ResourceType is not ("Patient" or "Practitioner")), r => Assert.Equal(ResourceChange.Created, r.Change));
            Assert.NotNull(result.Provenance);
        }
    }

    [Fact]
    public async Task RefusedSessionInAGroupFailsAloneWhileTheOthersArrive()
    {
        var sessions = Enumerable.Range(0, 3).Select(i => TestSessions.Session($"group-422-{i}", painScores: 1)).ToList();
        using var exchange = new PeerExchange(peer);

        var results = await DeliverAllWhilePeerRejectsAsync(exchange, sessions, $"{sessions[1].SourceSystem}|{sessions[1].SessionId}");

        Assert.True(results[0].Succeeded && results[2].Succeeded, results[0].Failure?.Message ?? results[2].Failure?.Message);
        Assert.Equal(DeliveryFailureKind.Permanent, results[1].Failure?.Kind);
        Assert.Equal(422, results[1].Failure?.HttpStatus);
        Assert.Single(await exchange.ProceduresAsync(sessions[0]));
        Assert.Empty(await exchange.ProceduresAsync(sessions[1]));
        Assert.Single(await exchange.ProceduresAsync(sessions[2]));
    }

    [Fact]
    public async Task PatientRefusedInTheSharedBatchFailsOnlyItsOwnSession()
    {
        var sessions = Enumerable.Range(0, 3).Select(i => TestSessions.Session($"group-people-422-{i}")).ToList();
        using var exchange = new PeerExchange(peer);

        var results = await DeliverAllWhilePeerRejectsAsync(exchange, sessions, $"https://example-hospital.org/mrn|MRN-{sessions[1].SessionId}");

        Assert.True(results[0].Succeeded && results[2].Succeeded, results[0].Failure?.Message ?? results[2].Failure?.Message);
        Assert.Equal((DeliveryFailureKind.Permanent, 422), (results[1].Failure?.Kind, results[1].Failure?.HttpStatus));
        Assert.Empty(await exchange.ProceduresAsync(sessions[1]));
        Assert.Single(await exchange.ProceduresAsync(sessions[2]));
    }

    [Fact]
    public async Task SameSessionTwiceInOneCallArrivesOnceAndTheSecondReportsUnchanged()
    {
        var session = TestSessions.Session("group-twice", painScores: 2);
        using var exchange = new PeerExchange(peer);

        var results = await exchange.Deliverer.DeliverAllAsync([
            new DeliveryRequest(PeerExchange.Target, StmBundleMapper.ToBundle(session)),
            new DeliveryRequest(PeerExchange.Target, StmBundleMapper.ToBundle(session)),
        ]);

        Assert.All(results, r => Assert.True(r.Succeeded, r.Failure?.Message));
        Assert.All(results[0].Resources, r => Assert.Equal(ResourceChange.Created, r.Change));
        // The read before writing found nothing for both; the version the first wrote is what the second compares with.
        Assert.All(results[1].Resources, r => Assert.Equal(ResourceChange.Unchanged, r.Change));
        Assert.Single(await exchange.ProceduresAsync(session));
    }

    // Delivers the sessions in one group while the peer answers 422 to any entry carrying that identifier.
    private async Task<IReadOnlyList<DeliveryResult>> DeliverAllWhilePeerRejectsAsync(PeerExchange exchange, IReadOnlyList<StmSession> sessions, string identifier)
    {
        await peer.SetFaultsAsync($$"""
            {"rejects":[{"identifier":"{{identifier}}","status":422,"text":"Rejected for the test"}]}
            """);
        try
        {
            return await exchange.Deliverer.DeliverAllAsync([.. sessions.Select(s => new DeliveryRequest(PeerExchange.Target, StmBundleMapper.ToBundle(s)))]);
        }
        finally
        {
            await peer.ClearFaultsAsync();
        }
    }
}
