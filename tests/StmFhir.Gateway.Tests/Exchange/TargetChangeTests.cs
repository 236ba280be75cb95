using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StmFhir.Exchange.Targets;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Exchange;

/// <summary>
/// The gateway's configured targets change between starts on the same database: a target taken out is listed as
/// orphaned in <c>/exchange/status</c> with its open rows, gets no new rows, and is purged over HTTP (read and write) or
/// taken back; <c>STMFHIR_TARGET_URL</c> moves a configured <c>default</c> without dropping its credentials.
/// </summary>
public sealed class TargetChangeTests : IAsyncLifetime
{
    // Nothing listens on port 9 (discard) on loopback: rows for these targets stay open.
    private const string Unreachable = "http://127.0.0.1:9/fhir/";

    private readonly string _data = Path.Combine(Path.GetTempPath(), "stmfhir-targets-" + Guid.NewGuid().ToString("N"));
    private readonly List<GatewayFactory> _gateways = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var gateway in _gateways)
        {
            await gateway.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private GatewayFactory Gateway(params string[] targets)
    {
        var gateway = new GatewayFactory();
        for (var i = 0; i < targets.Length; i++)
        {
            gateway.StartupSettings[$"Exchange:Targets:{i}:Name"] = targets[i];
            gateway.StartupSettings[$"Exchange:Targets:{i}:BaseUrl"] = Unreachable;
            gateway.StartupSettings[$"Exchange:Targets:{i}:Resilience:MaxRetryAttempts"] = "0";
        }
        gateway.Settings["Storage:DataDirectory"] = _data;
        gateway.Settings["Exchange:Outbox:RetryDelay"] = "00:10:00";
        gateway.Settings["Exchange:Outbox:MaxRetryDelay"] = "00:10:00";
        _gateways.Add(gateway);
        return gateway;
    }

    private static async Task<JsonElement> TargetAsync(HttpClient client, string target)
    {
        using var status = JsonDocument.Parse(await client.GetStringAsync("/exchange/status"));
        return status.RootElement.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("target").GetString() == target).Clone();
    }

    private static int Open(JsonElement counts) => counts.GetProperty("pending").GetInt32() + counts.GetProperty("inFlight").GetInt32();

    private static async Task PostAsync(HttpClient client, string sessionId)
    {
        var response = await client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text(sessionId, mrn: "MRN-" + sessionId), "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task ARemovedTarget_IsOrphanedWithItsOpenRows_GetsNoNewOnes_AndIsPurgedOverHttp()
    {
        await using (var first = Gateway("a", "gone"))
        {
            await PostAsync(first.ClientWithKey(), "STM-TC-0001");
        }
        var second = Gateway("a");
        var client = second.ClientWithKey();
        await PostAsync(client, "STM-TC-0002");

        var gone = await TargetAsync(client, "gone");
        Assert.True(gone.GetProperty("orphaned").GetBoolean());
        Assert.Equal(1, Open(gone));
        Assert.Equal(JsonValueKind.String, gone.GetProperty("removedAt").ValueKind);
        Assert.Equal(2, Open(await TargetAsync(client, "a")));
        Assert.False((await TargetAsync(client, "a")).GetProperty("orphaned").GetBoolean());

        Assert.Equal(HttpStatusCode.Forbidden, (await second.ClientWithKey(GatewayFactory.ReadOnlyKey).PostAsync("/exchange/targets/gone/$purge", null)).StatusCode);
        var purge = await client.PostAsync("/exchange/targets/gone/$purge", null);
        Assert.Equal(HttpStatusCode.OK, purge.StatusCode);
        Assert.Equal(1, JsonDocument.Parse(await purge.Content.ReadAsStringAsync()).RootElement.GetProperty("moved").GetInt32());
        Assert.Equal(0, Open(await TargetAsync(client, "gone")));
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsync("/exchange/targets/a/$purge", null)).StatusCode);
    }

    [Fact]
    public async Task ATargetConfiguredAgain_GetsItsKeptRowsAndTheOnesItMissed()
    {
        await using (var first = Gateway("a", "back"))
        {
            await PostAsync(first.ClientWithKey(), "STM-TC-0011");
        }
        await using (var second = Gateway("a"))
        {
            await PostAsync(second.ClientWithKey(), "STM-TC-0012");
            Assert.Equal(1, Open(await TargetAsync(second.ClientWithKey(), "back")));
        }
        var third = Gateway("a", "back");

        var back = await TargetAsync(third.ClientWithKey(), "back");

        Assert.False(back.GetProperty("orphaned").GetBoolean());
        Assert.Equal(2, Open(back));
    }

    [Fact]
    public async Task TheTargetUrlVariable_MovesAConfiguredDefault_KeepingItsCredentialAndSettings()
    {
        var gateway = new GatewayFactory();
        _gateways.Add(gateway);
        gateway.StartupSettings["Exchange:Targets:0:Name"] = "default";
        gateway.StartupSettings["Exchange:Targets:0:BaseUrl"] = "https://old.example.org/fhir";
        gateway.StartupSettings["Exchange:Targets:0:Auth:Kind"] = "Bearer";
        gateway.StartupSettings["Exchange:Targets:0:Auth:Token"] = "configured-token";
        gateway.StartupSettings["Exchange:Targets:0:MaxEntriesPerTransaction"] = "8";
        gateway.StartupSettings["STMFHIR_TARGET_URL"] = Unreachable;

        using var status = JsonDocument.Parse(await gateway.ClientWithKey().GetStringAsync("/exchange/status"));

        var options = gateway.Services.GetRequiredService<IFhirTargets>().GetOptions("default");
        Assert.Equal((new Uri(Unreachable), 8), (options.BaseUrl, options.MaxEntriesPerTransaction));
        var auth = Assert.Single(status.RootElement.GetProperty("authentication").EnumerateArray());
        Assert.Equal(("default", "Bearer"), (auth.GetProperty("target").GetString(), auth.GetProperty("kind").GetString()));
        Assert.DoesNotContain("configured-token", status.RootElement.GetRawText(), StringComparison.Ordinal);
    }
}
