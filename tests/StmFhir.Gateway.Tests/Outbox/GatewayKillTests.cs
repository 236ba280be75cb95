using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using StmFhir.Core.Mapping;
using StmFhir.Exchange.Tests.Peer;
using StmFhir.Tests.Shared;
using Xunit.Abstractions;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Outbox;

/// <summary>
/// The gateway as a separate process (the built dll, configured by environment variables as an operator would) is
/// killed with SIGKILL while its dispatcher is delivering to the real peer, and started again on the same SQLite
/// folder: every session arrives at the peer exactly once. Checked by searching the peer, not by asking the gateway.
/// </summary>
[Collection(PeerCollection.Name)]
public sealed class GatewayKillTests(PeerFhirServer peer, ITestOutputHelper output) : IAsyncLifetime
{
    private const string Key = "kill-test-key-00000001";
    // The first start on a machine fills the validation engine's cache (~40 s); later starts take a few seconds.
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "stmfhir-kill-" + Guid.NewGuid().ToString("N"));
    private GatewayProcess _gateway = null!;

    public async Task InitializeAsync()
    {
        await peer.ResetAsync();
        // The peer's validator refuses the sessions' RiskAssessment predictions (a Medplum quirk the delivery tests also turn off).
        await peer.ConfigureAsync("""{"validate":false}""");
        _gateway = new GatewayProcess(GatewayProcess.BuiltGatewayDll(), _folder, new Dictionary<string, string>
        {
            ["STMFHIR_DATA_DIR"] = Path.Combine(_folder, "data"),
            ["STMFHIR_TARGET_URL"] = peer.BaseUrl.ToString(),
            ["STMFHIR_API_KEY"] = Key,
            // A killed gateway's claims are taken back after the lease; short so that the test need not wait 5 minutes.
            ["Exchange__Outbox__Lease"] = "00:00:03",
            ["Exchange__Outbox__PollInterval"] = "00:00:00.200",
            ["Exchange__Outbox__RetryDelay"] = "00:00:00.200",
            ["Exchange__Outbox__MaxRetryDelay"] = "00:00:01",
        });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await peer.ResetAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's temp clean-up.
        }
    }

    [Fact]
    public async Task KilledWhileDelivering_ThenRestarted_EverySessionArrivesExactlyOnce()
    {
        var sessions = SampleSessions.Create("STM-KILL", 60, patients: 7);
        // Every peer request takes 100 ms, so the dispatcher is still busy (a request in flight) when the kill comes.
        await peer.SetFaultsAsync("""{"steps":[{"kind":"delay","ms":100,"times":10000}]}""");
        await _gateway.StartAsync(ReadyTimeout);
        var clock = Stopwatch.StartNew();

        await PostAllAsync(sessions);
        var atKill = await WaitForStatusAsync(c => c.Delivered >= 5 && c.Delivered < sessions.Count, "some delivered, some not");
        _gateway.Kill();
        var killedAt = clock.Elapsed;

        await peer.ClearFaultsAsync();
        await _gateway.StartAsync(ReadyTimeout);
        var drained = await WaitForStatusAsync(c => c.Delivered == sessions.Count && c.Pending == 0 && c.InFlight == 0, "drained");

        output.WriteLine($"killed at {killedAt.TotalSeconds:0.0} s with {atKill}; drained at {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(atKill.Delivered < sessions.Count, $"killed at {killedAt}: {atKill}");
        Assert.Equal(0, drained.Dead);
        await AssertExactlyOnceAtPeerAsync(sessions);
    }

    private HttpClient GatewayClient()
    {
        var client = new HttpClient { BaseAddress = _gateway.Url, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Add("X-Api-Key", Key);
        return client;
    }

    private async Task PostAllAsync(IReadOnlyList<GeneratedSession> sessions)
    {
        using var client = GatewayClient();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < sessions.Count)
            {
                using var content = new ByteArrayContent(sessions[i].Json);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await client.PostAsync(new Uri("stm/sessions", UriKind.Relative), content);
                Assert.True(response.StatusCode == HttpStatusCode.Created, $"{sessions[i].SessionId}: {(int)response.StatusCode}");
            }
        })));
    }

    private async Task<TargetCounts> WaitForStatusAsync(Func<TargetCounts, bool> condition, string what)
    {
        using var client = GatewayClient();
        var clock = Stopwatch.StartNew();
        var counts = new TargetCounts(0, 0, 0, 0);
        while (clock.Elapsed < Patience)
        {
            using var status = JsonDocument.Parse(await client.GetStringAsync(new Uri("exchange/status", UriKind.Relative)));
            var target = status.RootElement.GetProperty("targets").EnumerateArray().FirstOrDefault(t => t.GetProperty("target").GetString() == "default");
            if (target.ValueKind == JsonValueKind.Object)
            {
                counts = new TargetCounts(target.GetProperty("pending").GetInt32(), target.GetProperty("inFlight").GetInt32(),
                    target.GetProperty("delivered").GetInt32(), target.GetProperty("dead").GetInt32());
                if (condition(counts))
                {
                    return counts;
                }
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"Not {what} within {Patience.TotalSeconds} s: {counts}\n{_gateway.RecentOutput}");
    }

    /// <summary>Every business identifier of every session is held by exactly one resource at the peer, and the peer holds nothing else.</summary>
    private async Task AssertExactlyOnceAtPeerAsync(IReadOnlyList<GeneratedSession> sessions)
    {
        using var fhir = peer.CreateClient();
        var expected = sessions.SelectMany(s => s.Identifiers).DistinctBy(i => (i.ResourceType, i.Key)).ToList();
        var wrong = new List<string>();
        foreach (var identifier in expected)
        {
            var count = await PeerInventory.CountAsync(fhir, identifier.ResourceType,
                IdentifierSearch.Condition(identifier.System, identifier.Value));
            if (count != 1)
            {
                wrong.Add($"{identifier.ResourceType} {identifier.Value}: {count}");
            }
        }
        Assert.True(wrong.Count == 0, "Not exactly once at the peer: " + string.Join(", ", wrong));

        var inventory = await PeerInventory.ReadAsync(fhir, PeerInventory.IdentifiedTypes);
        foreach (var type in PeerInventory.IdentifiedTypes)
        {
            Assert.Equal(expected.Count(i => i.ResourceType == type), inventory.Totals[type]);
            Assert.Equal(0, inventory.Duplicates(type));
        }
        Assert.Equal(sessions.Count, inventory.Totals["Procedure"]);
    }

    private sealed record TargetCounts(int Pending, int InFlight, int Delivered, int Dead);
}
