using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using StmFhir.Exchange.Tests.Peer;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Browser;

/// <summary>
/// The operator console (<c>GET /console</c>) in headless Chromium against the real gateway on loopback, delivering to
/// the real test peer: a session the peer refuses appears as a dead letter with the peer's OperationOutcome, and once the
/// cause is fixed the console's Replay delivers it to the peer; a read-only key sees the same without any action, and the
/// actions refuse it; the page shows ids, counts and codes, not the patient.
/// </summary>
[Collection(PeerCollection.Name)]
public sealed class OperatorConsoleBrowserTests(PeerFhirServer peer, Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private const string SourceSystem = "https://pt.example-clinic.org/stm";
    private static readonly PageWaitForFunctionOptions Patience = new() { Timeout = 60_000, PollingInterval = 100 };

    private readonly KestrelGatewayFactory _gateway = new();

    public async Task InitializeAsync()
    {
        await peer.ResetAsync();
        _gateway.StartupSettings["Exchange:Targets:0:Name"] = "peer";
        _gateway.StartupSettings["Exchange:Targets:0:BaseUrl"] = peer.BaseUrl.ToString();
        _gateway.StartupSettings["Exchange:Targets:0:Resilience:MaxRetryAttempts"] = "1";
        _gateway.StartupSettings["Exchange:Targets:0:Resilience:RetryDelay"] = "00:00:00.020";
        _gateway.Settings["Exchange:Outbox:PollInterval"] = "00:00:00.100";
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await peer.ResetAsync();
    }

    /// <summary>Posts a session the peer refuses (422) and waits until the gateway has dead-lettered it; its outbox row.</summary>
    private async Task<long> DeadLetterAsync(string sessionId, string mrn)
    {
        await peer.SetFaultsAsync($$"""{"rejects":[{"identifier":"{{SourceSystem}}|{{sessionId}}","status":422,"text":"Rejected for the test"}]}""");
        using var client = _gateway.RealClient();
        var posted = await client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text(sessionId, mrn: mrn), "application/json"));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var status = JsonDocument.Parse(await client.GetStringAsync("/exchange/status"));
            if (status.RootElement.GetProperty("dead").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } dead)
            {
                return dead.GetProperty("outboxId").GetInt64();
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"Not dead-lettered in time: {status.RootElement}");
            await Task.Delay(100);
        }
    }

    private async Task<IPage> OpenConsoleAsync(string key)
    {
        var page = await chromium.NewPageAsync(_gateway.Address);
        await page.GotoAsync("/console?every=1");
        await page.FillAsync("#key", key);
        await page.ClickAsync("#open");
        await page.WaitForSelectorAsync("#dead tbody tr[data-outbox-id]", new() { Timeout = 60_000 });
        return page;
    }

    private async Task<int> PeerProceduresAsync(string sessionId)
    {
        using var client = peer.CreateClient();
        using var bundle = JsonDocument.Parse(await client.GetStringAsync($"Procedure?identifier={Uri.EscapeDataString($"{SourceSystem}|{sessionId}")}"));
        return bundle.RootElement.TryGetProperty("entry", out var entries) ? entries.GetArrayLength() : 0;
    }

    [Fact]
    public async Task ADeadLetteredSession_ShowsThePeersOutcome_AndReplayAfterTheFixDeliversItToThePeer()
    {
        var outboxId = await DeadLetterAsync("STM-CON-0001", "MRN-CON-1");
        var page = await OpenConsoleAsync(GatewayFactory.ReadWriteKey);

        var dead = page.Locator($"#dead tbody tr[data-outbox-id='{outboxId}']");
        Assert.Equal("peer", await dead.Locator("td").Nth(1).TextContentAsync());
        Assert.Equal("422", await dead.Locator("td").Nth(5).TextContentAsync());
        Assert.Contains("Rejected for the test", await dead.Locator("ul.issues").TextContentAsync(), StringComparison.Ordinal);
        var target = page.Locator("#targets tbody tr[data-target='peer']");
        Assert.Equal(["peer", "active", "0", "0", "1"], (await target.Locator("td").AllTextContentsAsync()).Take(5));
        Assert.Contains("HTTP 422", await target.Locator("td").Nth(10).TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal("closed", await target.Locator("td").Nth(8).TextContentAsync());
        // The filter narrows the list as typed, without a round trip.
        await page.FillAsync("#filter", "no such row");
        Assert.Equal(0, await page.Locator("#dead tbody tr").CountAsync());
        await page.FillAsync("#filter", "rejected FOR");
        Assert.Equal(1, await page.Locator("#dead tbody tr").CountAsync());
        Assert.Equal(0, await PeerProceduresAsync("STM-CON-0001"));

        await peer.ClearFaultsAsync();
        await dead.Locator("button.replay").ClickAsync();

        // Refreshed without a reload: the row leaves the dead letters and the target counts it delivered.
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#dead tbody tr').length === 0", null, Patience);
        await page.WaitForFunctionAsync(
            "() => document.querySelector(\"#targets tbody tr[data-target='peer'] td:nth-child(7)\")?.textContent === '1'", null, Patience);
        Assert.StartsWith($"Row {outboxId} to peer: 1 delivery moved back", await page.TextContentAsync("#summary"), StringComparison.Ordinal);
        Assert.Equal(1, await PeerProceduresAsync("STM-CON-0001"));
        chromium.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task AReadOnlyKey_SeesTheDeadLetterWithoutActions_TheActionsRefuseIt_AndNoPatientDetailIsShown()
    {
        var outboxId = await DeadLetterAsync("STM-CON-0002", "MRN-CON-2");
        var page = await OpenConsoleAsync(GatewayFactory.ReadOnlyKey);
        var before = int.Parse(await page.GetAttributeAsync("body", "data-refreshes") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        await page.WaitForFunctionAsync($"() => Number(document.body.dataset.refreshes) > {before}", null, Patience);

        Assert.Equal("false", await page.GetAttributeAsync("body", "data-can-operate"));
        Assert.Equal(0, await page.Locator("button.replay").CountAsync());
        Assert.Equal(0, await page.Locator("button.purge").CountAsync());
        Assert.True(await page.Locator("#replay-all").IsHiddenAsync());
        var text = await page.Locator("main").InnerTextAsync();
        Assert.Contains(outboxId.ToString(System.Globalization.CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
        foreach (var personal in (string[])["Hoffmann", "Julia", "1984-06-17", "MRN-CON-2", "Okafor", "Tender over"])
        {
            Assert.DoesNotContain(personal, text, StringComparison.Ordinal);
        }
        chromium.AssertNoScriptErrors(page);

        using var readOnly = _gateway.RealClient(GatewayFactory.ReadOnlyKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await readOnly.PostAsync($"/exchange/outbox/{outboxId}/$replay", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await readOnly.PostAsync("/exchange/outbox/$replay", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await readOnly.PostAsync("/exchange/targets/peer/$purge", null)).StatusCode);
        using var anonymous = _gateway.RealClient(key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/exchange/outbox/$replay", null)).StatusCode);
        using var readWrite = _gateway.RealClient();
        var missing = await readWrite.PostAsync($"/exchange/outbox/{outboxId + 1000}/$replay", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("has no dead-lettered delivery", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var notOrphaned = await readWrite.PostAsync("/exchange/targets/peer/$purge", null);
        Assert.Equal(HttpStatusCode.Conflict, notOrphaned.StatusCode);
    }

    [Fact]
    public async Task TheConsole_IsServedUnderTheStrictContentSecurityPolicy()
    {
        using var client = _gateway.RealClient(key: null);

        var response = await client.GetAsync("/console");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        var script = await client.GetStringAsync("/console/console.mjs");
        Assert.DoesNotContain("innerHTML", script, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/console/secrets.json")).StatusCode);
    }
}
