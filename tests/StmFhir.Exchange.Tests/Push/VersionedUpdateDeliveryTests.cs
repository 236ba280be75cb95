using System.Net;
using System.Text;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Tests.Peer;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Push;

/// <summary>
/// Updates with the versions the caller expects (<see cref="DeliveryRequest.ExpectedVersions"/>) at the real peer: they
/// carry If-Match where the target declares versioned-update, so a resource changed there since is a Conflict naming
/// both versions and nothing is written; without versioned-update they write as before.
/// </summary>
[Collection(PeerCollection.Name)]
public sealed class VersionedUpdateDeliveryTests(PeerFhirServer peer) : IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await peer.ResetAsync();
        await peer.ConfigureAsync("""{"validate":false}""");
    }

    public Task DisposeAsync() => peer.ResetAsync();

    /// <summary>Delivers a session, then changes its Procedure at the peer; the Procedure's id and the version first delivered.</summary>
    private async Task<(string Id, string Delivered, Bundle Ours)> DeliveredThenChangedAtPeerAsync(PeerExchange exchange, string sessionId)
    {
        var session = TestSessions.Session(sessionId, painScores: 1) with { Notes = "first" };
        var first = await exchange.DeliverAsync(session);
        Assert.True(first.Succeeded, first.Failure?.Message);
        var procedure = first.Resources.Single(r => r.ResourceType == "Procedure");
        using var client = peer.CreateClient();
        var atPeer = FhirJson.Deserialize<Procedure>(await client.GetStringAsync($"Procedure/{procedure.TargetId}"));
        atPeer.Note = [new Annotation { Text = "theirs" }];
        using var put = await client.PutAsync($"Procedure/{procedure.TargetId}", new StringContent(FhirJson.Serialize(atPeer), Encoding.UTF8, "application/fhir+json"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return (procedure.TargetId, procedure.VersionId!, StmBundleMapper.ToBundle(session with { Notes = "ours" }));
    }

    private async Task<(string? Note, string Version)> AtPeerAsync(string id)
    {
        using var client = peer.CreateClient();
        var procedure = FhirJson.Deserialize<Procedure>(await client.GetStringAsync($"Procedure/{id}"));
        return (procedure.Note.SingleOrDefault()?.Text, procedure.Meta!.VersionId!);
    }

    [Fact]
    public async Task AnUpdateExpectingAnOlderVersion_IsAConflictNamingBothVersions_AndWritesNothing()
    {
        using var exchange = new PeerExchange(peer);
        var (id, delivered, ours) = await NewSessionChangedAtPeerAsync(exchange);
        var before = await AtPeerAsync(id);

        var result = await exchange.Deliverer.DeliverAsync(new DeliveryRequest(PeerExchange.Target, ours)
        {
            ExpectedVersions = new Dictionary<string, string> { [$"Procedure/{id}"] = delivered },
        });

        Assert.Equal(DeliveryFailureKind.Conflict, result.Failure?.Kind);
        Assert.Equal(412, result.Failure!.HttpStatus);
        var conflict = Assert.Single(result.Failure.Conflicts);
        Assert.Equal(("Procedure", id, delivered, before.Version), (conflict.ResourceType, conflict.TargetId, conflict.ExpectedVersion, conflict.CurrentVersion));
        Assert.Equal(("theirs", before.Version), await AtPeerAsync(id));
    }

    [Fact]
    public async Task AnUpdateExpectingTheCurrentVersion_IsWritten()
    {
        using var exchange = new PeerExchange(peer);
        var (id, _, ours) = await NewSessionChangedAtPeerAsync(exchange);
        var before = await AtPeerAsync(id);

        var result = await exchange.Deliverer.DeliverAsync(new DeliveryRequest(PeerExchange.Target, ours)
        {
            ExpectedVersions = new Dictionary<string, string> { [$"Procedure/{id}"] = before.Version },
        });

        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.Equal(ResourceChange.Updated, result.Resources.Single(r => r.ResourceType == "Procedure").Change);
        Assert.Equal("ours", (await AtPeerAsync(id)).Note);
    }

    [Fact]
    public async Task WithoutVersionedUpdate_TheUpdateCarriesNoIfMatch_AndWritesOverTheTargetsChange()
    {
        await peer.ConfigureAsync("""{"versionedUpdate":false}""");
        using var exchange = new PeerExchange(peer);
        var (id, delivered, ours) = await NewSessionChangedAtPeerAsync(exchange);

        var result = await exchange.Deliverer.DeliverAsync(new DeliveryRequest(PeerExchange.Target, ours)
        {
            ExpectedVersions = new Dictionary<string, string> { [$"Procedure/{id}"] = delivered },
        });

        Assert.True(result.Succeeded, result.Failure?.Message);
        Assert.Equal("ours", (await AtPeerAsync(id)).Note);
    }

    private Task<(string Id, string Delivered, Bundle Ours)> NewSessionChangedAtPeerAsync(PeerExchange exchange) =>
        DeliveredThenChangedAtPeerAsync(exchange, "versioned-" + Guid.NewGuid().ToString("N")[..8]);
}
