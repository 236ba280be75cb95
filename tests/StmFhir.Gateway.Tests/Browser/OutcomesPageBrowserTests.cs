using Microsoft.Playwright;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Gateway.Tests.OutcomeTrends;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Browser;

/// <summary>
/// The outcomes page (<c>GET /patients/{id}/outcomes</c>) in headless Chromium against the real gateway on loopback: a
/// patient's three sessions are charted (pain, and each range-of-motion measure) with every value plotted, under the
/// page's content security policy, with the chart library served by the gateway itself.
/// </summary>
public sealed class OutcomesPageBrowserTests(KestrelGatewayFactory gateway, Chromium chromium)
    : IClassFixture<KestrelGatewayFactory>, IClassFixture<Chromium>
{
    [Fact]
    public async Task APatientWithThreeSessions_ShowsBothChartsWithEveryPoint()
    {
        var patientId = await ThreeSessions.StoreAsync(gateway.RealClient(), "MRN-PAGE-3");
        var page = await chromium.NewPageAsync(gateway.Address);
        var external = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(gateway.Address.ToString(), StringComparison.Ordinal))
            {
                external.Add(request.Url);
            }
        };
        await page.GotoAsync($"/patients/{patientId}/outcomes");

        await page.FillAsync("#key", GatewayFactory.ReadOnlyKey);
        await page.ClickAsync("#show");
        await page.WaitForSelectorAsync("body[data-loaded='true']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });

        // Pain: pre, post and follow-up of three sessions; flexion: pre and post of three sessions.
        Assert.Equal("9", await page.GetAttributeAsync("#pain-chart", "data-points"));
        Assert.Equal(9, await page.Locator("#pain-table tbody tr").CountAsync());
        var rom = page.Locator("#rom-charts figure[data-measure='elbow-flexion-right-active']");
        Assert.Equal("6", await rom.Locator(".chart").GetAttributeAsync("data-points"));
        Assert.Equal(6, await rom.Locator("table.points tbody tr").CountAsync());
        // uPlot drew a canvas for each chart, with a legend naming the three timings of the pain chart.
        Assert.Equal(1, await page.Locator("#pain-chart canvas").CountAsync());
        Assert.Equal(1, await rom.Locator("canvas").CountAsync());
        Assert.Equal(["Pre", "Post", "Follow-up"], (await page.Locator("#pain-chart .u-legend .u-series .u-label").AllTextContentsAsync()).Skip(1));
        Assert.Equal("3 sessions", await page.TextContentAsync("#summary"));
        Assert.Equal(3, await page.Locator("#durability tbody tr").CountAsync());
        Assert.Empty(external);
        chromium.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task AnUnknownPatient_SaysNotFoundWithoutScriptErrors()
    {
        var page = await chromium.NewPageAsync(gateway.Address);
        await page.GotoAsync("/patients/nobody-here/outcomes");

        await page.FillAsync("#key", GatewayFactory.ReadOnlyKey);
        await page.ClickAsync("#show");
        await page.WaitForSelectorAsync("#summary.failed");

        Assert.StartsWith("Not shown (HTTP 404)", await page.TextContentAsync("#summary"));
        Assert.True(await page.Locator("#pain").IsHiddenAsync());
        // The browser reports the 404 of the fetch itself as a console error; it is the answer the page expects here.
        chromium.ScriptErrors[page].RemoveAll(e => e.Contains("404", StringComparison.Ordinal));
        chromium.AssertNoScriptErrors(page);
    }
}
