using System.Net;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Store;
using StmFhir.Exchange.Tests.Peer;
using StmFhir.Exchange.Tests.Push;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Outbox;

/// <summary>
/// A delete reaches the real peer through the outbox as <c>DELETE Type/id</c>, exactly once, like any other change; a
/// target that no longer has the resource counts as done; a failure is retried like any delivery.
/// </summary>
[Collection(PeerCollection.Name)]
public sealed class OutboxDeleteTests(PeerFhirServer peer) : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "stmfhir-push-delete-" + Guid.NewGuid().ToString("N"));
    private IResourceStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = ResourceStores.Create(new StorageOptions { DataDirectory = _folder }, TimeProvider.System);
        await _store.InitializeAsync();
        await peer.ClearFaultsAsync();
    }

    public async Task DisposeAsync()
    {
        await peer.ClearFaultsAsync();
        await ((IAsyncDisposable)_store).DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private OutboxDispatcher Dispatcher(PeerExchange exchange) => new(_store, _store.Outbox(), exchange.Targets, exchange.Deliverer,
        Options.Create(new OutboxOptions { RetryDelay = TimeSpan.FromMilliseconds(1), MaxRetryDelay = TimeSpan.FromMilliseconds(1) }),
        TimeProvider.System, NullLogger<OutboxDispatcher>.Instance);

    private static Observation Pain(string id, int score) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Code = new CodeableConcept("http://loinc.org", "72514-3"),
        Value = new Integer(score),
    };

    private Task PutAsync(Resource resource) => _store.CommitAsync(new ChangeSet([new Change(ChangeMethod.Update, resource)], "test"));

    private async Task<HttpStatusCode> PeerReadAsync(string reference)
    {
        using var client = peer.CreateClient();
        return (await client.GetAsync(reference)).StatusCode;
    }

    [Fact]
    public async Task ADelete_IsSentAsADeleteOnce_AndThePeerThenAnswers410()
    {
        var id = "del-push-" + Guid.NewGuid().ToString("N")[..8];
        using var exchange = new PeerExchange(peer);
        var dispatcher = Dispatcher(exchange);
        await PutAsync(Pain(id, 3));
        await dispatcher.DispatchOnceAsync(PeerExchange.Target, CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, await PeerReadAsync($"Observation/{id}"));

        await _store.DeleteAsync("Observation", id, "test");
        var claimed = await dispatcher.DispatchOnceAsync(PeerExchange.Target, CancellationToken.None);

        Assert.Equal(1, claimed);
        Assert.Equal(HttpStatusCode.Gone, await PeerReadAsync($"Observation/{id}"));
        Assert.All(await _store.Outbox().ListAsync(), r => Assert.Equal(OutboxStates.Delivered, r.State));
        Assert.Equal(0, await dispatcher.DispatchOnceAsync(PeerExchange.Target, CancellationToken.None));
    }

    [Fact]
    public async Task ADeleteOfWhatThePeerNoLongerHas_CountsAsDelivered()
    {
        var id = "del-gone-" + Guid.NewGuid().ToString("N")[..8];
        using var exchange = new PeerExchange(peer);
        var dispatcher = Dispatcher(exchange);
        await PutAsync(Pain(id, 4));
        await dispatcher.DispatchOnceAsync(PeerExchange.Target, CancellationToken.None);
        using (var client = peer.CreateClient())
        {
            Assert.True((await client.DeleteAsync($"Observation/{id}")).IsSuccessStatusCode);
        }

        await _store.DeleteAsync("Observation", id, "test");
        await dispatcher.DispatchOnceAsync(PeerExchange.Target, CancellationToken.None);

        Assert.All(await _store.Outbox().ListAsync(), r => Assert.Equal(OutboxStates.Delivered, r.State));
    }

    [Fact]
    public async Task ADeleteFollowedByANewVersionBeforeDispatch_LeavesTheNewContentAtThePeer()
    {
        var id = "del-again-" + Guid.NewGuid().ToString("N")[..8];
        using var exchange = new PeerExchange(peer);
        var dispatcher = Dispatcher(exchange);
        await PutAsync(Pain(id, 5));
        await dispatcher.DispatchOnceAsync(PeerExchange.Target, CancellationToken.None);

        await _store.DeleteAsync("Observation", id, "test");
        await PutAsync(Pain(id, 2));
        await dispatcher.DispatchOnceAsync(PeerExchange.Target, CancellationToken.None);

        using var client = peer.CreateClient();
        var there = await client.GetAsync($"Observation/{id}");
        Assert.Equal(HttpStatusCode.OK, there.StatusCode);
        Assert.Contains("\"valueInteger\":2", await there.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.All(await _store.Outbox().ListAsync(), r => Assert.Equal(OutboxStates.Delivered, r.State));
    }

    [Fact]
    public async Task ADelete_ToAPeerThatGivesItsOwnIds_GoesByTheBusinessIdentifier()
    {
        var id = "del-own-" + Guid.NewGuid().ToString("N")[..8];
        var observation = Pain(id, 7);
        observation.Identifier = [new Identifier("https://pt.example-clinic.org/stm", id)];
        await peer.ConfigureAsync("""{"updateCreate": false}""");
        try
        {
            using var exchange = new PeerExchange(peer);
            var dispatcher = Dispatcher(exchange);
            await PutAsync(observation);
            await dispatcher.DispatchOnceAsync(PeerExchange.Target, CancellationToken.None);
            var there = Assert.Single(await exchange.SearchAsync("Observation", "https://pt.example-clinic.org/stm", id));
            Assert.NotEqual(id, there.Id);

            await _store.DeleteAsync("Observation", id, "test");
            await dispatcher.DispatchOnceAsync(PeerExchange.Target, CancellationToken.None);

            Assert.Empty(await exchange.SearchAsync("Observation", "https://pt.example-clinic.org/stm", id));
            Assert.Equal(HttpStatusCode.Gone, await PeerReadAsync($"Observation/{there.Id}"));
            Assert.All(await _store.Outbox().ListAsync(), r => Assert.Equal(OutboxStates.Delivered, r.State));
        }
        finally
        {
            await peer.ConfigureAsync("""{"updateCreate": true}""");
        }
    }

    [Fact]
    public async Task ADeleteThePeerRefusesFor503_IsRescheduled_AndDeliveredOnTheNextAttempt()
    {
        var id = "del-retry-" + Guid.NewGuid().ToString("N")[..8];
        using var exchange = new PeerExchange(peer, o => o.Resilience.MaxRetryAttempts = 1);
        var dispatcher = Dispatcher(exchange);
        await PutAsync(Pain(id, 6));
        await dispatcher.DispatchOnceAsync(PeerExchange.Target, CancellationToken.None);
        await peer.SetFaultsAsync("""{"steps":[{"kind":"status","status":503,"times":2,"methods":["DELETE"]}]}""");

        var deleted = await _store.DeleteAsync("Observation", id, "test");
        await dispatcher.DispatchOnceAsync(PeerExchange.Target, CancellationToken.None);

        var failed = (await _store.Outbox().ListAsync()).Single(r => r.OutboxId == deleted.OutboxId);
        Assert.Equal(OutboxStates.Pending, failed.State);
        Assert.Contains("503", failed.Error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, await PeerReadAsync($"Observation/{id}"));
        await Task.Delay(20);
        await dispatcher.DispatchOnceAsync(PeerExchange.Target, CancellationToken.None);
        Assert.Equal(HttpStatusCode.Gone, await PeerReadAsync($"Observation/{id}"));
        Assert.All(await _store.Outbox().ListAsync(), r => Assert.Equal(OutboxStates.Delivered, r.State));
    }
}
