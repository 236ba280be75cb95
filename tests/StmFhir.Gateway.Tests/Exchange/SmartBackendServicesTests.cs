using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using StmFhir.Exchange.Tests.Peer;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Xunit.Abstractions;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Exchange;

/// <summary>
/// Pushing to and pulling from the real FHIR peer with its SMART Backend Services token endpoint on: the peer checks
/// each assertion with jose against the JWKS URL of the gateway under test (signature, aud, exp, replayed jti), and
/// its FHIR API takes only the short-lived tokens it issued.
/// </summary>
[Collection(PeerCollection.Name)]
public sealed partial class SmartBackendServicesTests(PeerFhirServer peer, ITestOutputHelper output) : IAsyncLifetime
{
    private const string ClientId = "stmfhir-gateway";
    private const string SourceSystem = "https://pt.example-clinic.org/stm";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly SmartKeyFiles _keys = new();
    private readonly List<GatewayFactory> _gateways = [];

    public async Task InitializeAsync()
    {
        await peer.ResetAsync();
        // The peer's validator refuses the sessions' RiskAssessment predictions (a Medplum quirk the delivery tests also turn off).
        await peer.ConfigureAsync("""{"validate":false}""");
    }

    public async Task DisposeAsync()
    {
        foreach (var gateway in _gateways)
        {
            await gateway.DisposeAsync();
        }
        await peer.ResetAsync();
        _keys.Dispose();
    }

    /// <summary>A gateway on real Kestrel whose one target is the peer with SMART Backend Services, signing with <paramref name="keyFiles"/>.</summary>
    private KestrelGatewayFactory Gateway(IReadOnlyList<(string Path, string? KeyId)> keyFiles, int port = 0, bool pull = false,
        Dictionary<string, string?>? auth = null)
    {
        var gateway = new KestrelGatewayFactory { Port = port };
        var settings = gateway.StartupSettings;
        for (var i = 0; i < keyFiles.Count; i++)
        {
            settings[$"Exchange:SigningKeys:Keys:{i}:Path"] = keyFiles[i].Path;
            settings[$"Exchange:SigningKeys:Keys:{i}:KeyId"] = keyFiles[i].KeyId;
        }
        settings["Exchange:Targets:0:Name"] = "peer";
        settings["Exchange:Targets:0:BaseUrl"] = peer.BaseUrl.ToString();
        settings["Exchange:Targets:0:Auth:Kind"] = "SmartBackendServices";
        settings["Exchange:Targets:0:Auth:ClientId"] = ClientId;
        foreach (var (key, value) in auth ?? [])
        {
            settings["Exchange:Targets:0:Auth:" + key] = value;
        }
        settings["Exchange:Targets:0:Resilience:MaxRetryAttempts"] = "1";
        settings["Exchange:Targets:0:Resilience:RetryDelay"] = "00:00:00.020";
        settings["Exchange:Targets:0:Resilience:CircuitBreakerMinimumThroughput"] = "1000";
        if (pull)
        {
            settings["Exchange:Targets:0:Pull:Enabled"] = "true";
            settings["Exchange:Targets:0:Pull:Interval"] = "00:00:00.300";
        }
        gateway.Settings["Exchange:Outbox:PollInterval"] = "00:00:00.100";
        gateway.Settings["Exchange:Outbox:RetryDelay"] = "00:00:00.200";
        gateway.Settings["Exchange:Outbox:MaxRetryDelay"] = "00:00:00.500";
        _gateways.Add(gateway);
        return gateway;
    }

    private static (string, string?) Rsa(SmartKeyFiles keys) => (keys.RsaPem, SmartKeyFiles.RsaKeyId);

    private static (string, string?) Ec(SmartKeyFiles keys) => (keys.EcJwks, null);

    /// <summary>Turns SMART on at the peer, with this gateway's JWKS URL registered for <see cref="ClientId"/>.</summary>
    private Task SmartOnAsync(KestrelGatewayFactory gateway, int tokenLifetimeSeconds = 300, string extra = "") =>
        peer.SmartAsync($$"""
            {"enabled":true,"tokenLifetimeSeconds":{{tokenLifetimeSeconds}},"clockOffsetSeconds":0,
             "clients":[{"clientId":"{{ClientId}}","jwksUrl":"{{new Uri(gateway.Address, "/.well-known/jwks.json")}}"{{extra}}}]}
            """);

    private static async Task PostAsync(HttpClient client, string sessionId)
    {
        var response = await client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text(sessionId, mrn: "MRN-" + sessionId), "application/json"));
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task<JsonElement> StatusAsync(HttpClient client) =>
        JsonDocument.Parse(await client.GetStringAsync("/exchange/status")).RootElement.Clone();

    /// <summary>Waits until the status satisfies <paramref name="done"/>; fails with the last status after <see cref="Patience"/>.</summary>
    private static async Task<JsonElement> WaitForAsync(HttpClient client, Func<JsonElement, bool> done, TimeSpan? patience = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = await StatusAsync(client);
            if (done(status))
            {
                return status;
            }
            Assert.True(clock.Elapsed < (patience ?? Patience), $"Not in time: {status}");
            await Task.Delay(100);
        }
    }

    private static Func<JsonElement, bool> Counts(int delivered, int dead, int pending = 0) => status =>
        status.GetProperty("targets").EnumerateArray().FirstOrDefault(t => t.GetProperty("target").GetString() == "peer") is { ValueKind: JsonValueKind.Object } t
        && t.GetProperty("delivered").GetInt32() == delivered && t.GetProperty("dead").GetInt32() == dead
        && t.GetProperty("pending").GetInt32() == pending && t.GetProperty("inFlight").GetInt32() == 0;

    private static JsonElement Auth(JsonElement status) => Assert.Single(status.GetProperty("authentication").EnumerateArray());

    private async Task<JsonElement> PeerSmartStatsAsync()
    {
        using var smart = await peer.GetSmartAsync();
        return smart.RootElement.GetProperty("stats").Clone();
    }

    /// <summary>How many resources of <paramref name="type"/> the peer holds (from its admin API, which needs no token).</summary>
    private async Task<int> PeerCountAsync(string type)
    {
        using var stats = await peer.GetStatsAsync();
        return stats.RootElement.GetProperty("resources").TryGetProperty(type, out var count) ? count.GetInt32() : 0;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Every log line the gateway wrote, checked for anything token-like.</summary>
    private static void AssertNoSecretsLogged(GatewayFactory gateway)
    {
        var logs = gateway.ReadLogs();
        Assert.DoesNotContain("peer-at-", logs, StringComparison.Ordinal); // the peer's access tokens
        Assert.DoesNotContain("eyJ", logs, StringComparison.Ordinal); // a JWT (an assertion) starts with a base64url '{"'
        Assert.DoesNotContain("PRIVATE KEY", logs, StringComparison.Ordinal);
    }
}
