using System.Text.Json;
using StmFhir.Exchange.Tests.Peer;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Exchange;

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

    [Fact]
    public async Task TwoGatewaysSharingOneOutbox_WithASlowTargetAndAShortLease_DeliverEveryRowOnce()
    {
        // Each peer request takes 300 ms, so a batch of 10 rows takes ~6 s to deliver: longer than the 3 s lease. Before
        // the dispatcher renewed its leases, the other gateway took the batch's later rows when the lease ran out and both
        // delivered them (two or three Provenances for half of the rows).
        await _peer.SetFaultsAsync("""{"steps":[{"kind":"delay","ms":300,"times":10000}]}""");
        var storage = await NewStorageAsync();
        await using var a = Gateway(storage);
        await using var b = Gateway(storage);
        foreach (var gateway in new[] { a, b })
        {
            gateway.Settings["Exchange:Outbox:Lease"] = "00:00:03";
            gateway.Settings["Exchange:Outbox:BatchSize"] = "10";
        }
        var (clientA, clientB) = (a.ClientWithKey(), b.ClientWithKey());

        for (var i = 0; i < 10; i++)
        {
            await PostAsync(clientA, $"STM-PG3-{i:D4}", $"MRN-PG3-{i % 3}");
        }

        await WaitForAsync(clientB, delivered: 10, dead: 0);
        await _peer.ClearFaultsAsync();
        for (var i = 0; i < 10; i++)
        {
            await AssertArrivedOnceAsync($"STM-PG3-{i:D4}", $"MRN-PG3-{i % 3}");
        }
        var provenances = await ProvenanceSourcesAsync();
        Assert.All(provenances.GroupBy(p => p), g => Assert.True(g.Count() == 1, $"{g.Key} delivered {g.Count()} times"));
        Assert.Equal(10, provenances.Count);
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
