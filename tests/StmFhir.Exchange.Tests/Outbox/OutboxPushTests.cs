using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StmFhir.Core.Mapping;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Store;
using StmFhir.Exchange.Tests.Peer;
using StmFhir.Exchange.Tests.Push;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Outbox;

/// <summary>The dispatcher with the real deliverer, a real SQLite store and the real peer: what arrives, and how it refers.</summary>
[Collection(PeerCollection.Name)]
public sealed class OutboxPushTests(PeerFhirServer peer) : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "stmfhir-push-" + Guid.NewGuid().ToString("N"));
    private IResourceStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = ResourceStores.Create(new StorageOptions { DataDirectory = _folder }, TimeProvider.System);
        await _store.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncDisposable)_store).DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task SecondSessionOfAKnownPatient_RefersToThePatientTheTargetHolds()
    {
        // The second commit does not write the Patient again (unchanged), so its outbox row does not name it.
        var first = TestSessions.Session("push-known-1", painScores: 1, patientMrn: "MRN-PUSH-KNOWN", clinicianId: "staff-push-known");
        var second = TestSessions.Session("push-known-2", painScores: 1, patientMrn: "MRN-PUSH-KNOWN", clinicianId: "staff-push-known");
        using var exchange = new PeerExchange(peer);
        var dispatcher = new OutboxDispatcher(_store, _store.Outbox(), exchange.Targets, exchange.Deliverer,
            Options.Create(new OutboxOptions()), TimeProvider.System, NullLogger<OutboxDispatcher>.Instance);

        await _store.CommitAsync(TransactionBundles.ToChangeSet(StmBundleMapper.ToBundle(first), "test"));
        await dispatcher.DispatchOnceAsync(PeerExchange.Target, CancellationToken.None);
        await _store.CommitAsync(TransactionBundles.ToChangeSet(StmBundleMapper.ToBundle(second), "test"));
        await dispatcher.DispatchOnceAsync(PeerExchange.Target, CancellationToken.None);

        Assert.All(await _store.Outbox().ListAsync(), r => Assert.Equal(OutboxStates.Delivered, r.State));
        var patient = Assert.Single(await exchange.SearchAsync("Patient", "https://example-hospital.org/mrn", "MRN-PUSH-KNOWN"));
        var practitioner = Assert.Single(await exchange.SearchAsync("Practitioner", "https://pt.example-clinic.org/staff", "staff-push-known"));
        foreach (var session in new[] { first, second })
        {
            var procedure = Assert.IsType<Procedure>(Assert.Single(await exchange.ProceduresAsync(session)));
            Assert.Equal($"Patient/{patient.Id}", procedure.Subject.Reference);
            Assert.Equal($"Practitioner/{practitioner.Id}", procedure.Performer.Single().Actor.Reference);
        }
    }
}
