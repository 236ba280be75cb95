using System.Text.Json;
using StmFhir.Exchange.Tests.Peer;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Outbox;

/// <summary>
/// The dispatcher's end-to-end behaviour on PostgreSQL (a fresh schema per store), and what only PostgreSQL offers:
/// two gateways sharing one outbox (claims with FOR UPDATE SKIP LOCKED) deliver every row once.
/// </summary>
/// <remarks>
/// In the peer's collection (tests that reset the peer must not overlap), so PostgreSQL comes as a class fixture: a
/// cluster of its own for this class.
/// </remarks>
[Collection(PeerCollection.Name)]
public sealed class PostgresOutboxDispatchTests(PeerFhirServer peer, PostgresServer postgres)
    : OutboxDispatchBehaviour(peer), IClassFixture<PostgresServer>
{
    private readonly PeerFhirServer _peer = peer;

    private protected override async Task<Dictionary<string, string?>> NewStorageAsync() => new()
    {
        ["Storage:Provider"] = "postgresql",
        ["Storage:ConnectionString"] = await postgres.NewSchemaAsync(),
    };

    [Fact]
    public async Task TwoGatewaysSharingOneOutbox_DeliverEveryRowOnce()
    {
        var storage = await NewStorageAsync();
        await using var a = Gateway(storage);
        await using var b = Gateway(storage);
        var (clientA, clientB) = (a.ClientWithKey(), b.ClientWithKey());

        for (var i = 0; i < 12; i++)
        {
            await PostAsync(i % 2 == 0 ? clientA : clientB, $"STM-PG2-{i:D4}", $"MRN-PG2-{i % 3}");
        }
        // The same session through both gateways at once: stored once, so one row.
        await Task.WhenAll(PostAsync(clientA, "STM-PG2-0100", "MRN-PG2-0"), PostAsync(clientB, "STM-PG2-0100", "MRN-PG2-0"));

        await WaitForAsync(clientA, delivered: 13, dead: 0);
        await WaitForAsync(clientB, delivered: 13, dead: 0);
        for (var i = 0; i < 12; i++)
        {
            await AssertArrivedOnceAsync($"STM-PG2-{i:D4}", $"MRN-PG2-{i % 3}");
        }
        await AssertArrivedOnceAsync("STM-PG2-0100", "MRN-PG2-0");
        // Each delivery leaves one Provenance naming its outbox row: a row delivered twice would leave two.
        var provenances = await ProvenanceSourcesAsync();
        Assert.Equal(13, provenances.Count);
        Assert.All(provenances.GroupBy(p => p), g => Assert.Single(g));
    }

    /// <summary>The delivery source (<c>outbox/{id}</c>) of every Provenance at the peer.</summary>
    private async Task<List<string>> ProvenanceSourcesAsync()
    {
        using var client = _peer.CreateClient();
        using var bundle = JsonDocument.Parse(await client.GetStringAsync("Provenance?_count=1000"));
        return [.. bundle.RootElement.GetProperty("entry").EnumerateArray()
            .SelectMany(e => e.GetProperty("resource").GetProperty("entity").EnumerateArray())
            .Select(e => e.GetProperty("what").GetProperty("identifier").GetProperty("value").GetString()!)];
    }
}
