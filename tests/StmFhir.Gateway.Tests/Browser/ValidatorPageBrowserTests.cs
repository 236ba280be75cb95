using System.Text.Json;
using Microsoft.Playwright;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Browser;

/// <summary>
/// The validator page (<c>GET /validate</c>) in headless Chromium against the real gateway on loopback: what a developer
/// pastes is validated and every issue the sample is known to produce is listed, under the page's content security policy.
/// </summary>
public sealed class ValidatorPageBrowserTests(KestrelGatewayFactory gateway, Chromium chromium)
    : IClassFixture<KestrelGatewayFactory>, IClassFixture<Chromium>
{
    [Theory]
    [InlineData("bundle-fullurl-repeated.json")]
    [InlineData("clinical-screening-cleared-with-contraindication.json")]
    [InlineData("terminology-body-site-not-in-valueset.json")]
    public async Task PastingAnInvalidSample_ListsEachOfItsExpectedIssues(string sample)
    {
        var page = await chromium.NewPageAsync(gateway.Address);
        await page.GotoAsync("/validate");

        await page.FillAsync("#resource", await File.ReadAllTextAsync(RepoPaths.Samples("invalid", sample)));
        await page.FillAsync("#key", GatewayFactory.ReadWriteKey);
        await page.ClickAsync("#validate");
        await page.WaitForSelectorAsync("#summary.failed");

        var codes = await page.Locator("#issues tbody td.code").AllTextContentsAsync();
        foreach (var expected in ExpectedCodes(sample))
        {
            Assert.Contains(expected, codes);
        }
        Assert.StartsWith("Not valid", await page.TextContentAsync("#summary"));
        chromium.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task PastingAValidSessionBundle_SaysValid()
    {
        var page = await chromium.NewPageAsync(gateway.Address);
        await page.GotoAsync("/validate");

        await page.FillAsync("#resource", await File.ReadAllTextAsync(RepoPaths.Samples("bundles", "03-achilles-tendinitis-manual.json")));
        await page.FillAsync("#key", GatewayFactory.ReadWriteKey);
        await page.ClickAsync("#validate");
        await page.WaitForSelectorAsync("#summary.ok");

        Assert.StartsWith("Valid", await page.TextContentAsync("#summary"));
        chromium.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task TheProfileList_IsFilledFromTheGateway()
    {
        var page = await chromium.NewPageAsync(gateway.Address);
        await page.GotoAsync("/validate");

        await page.WaitForSelectorAsync("#profile option[value='http://stmfhir.org/fhir/StructureDefinition/stm-procedure']",
            new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        chromium.AssertNoScriptErrors(page);
    }

    private static IEnumerable<string> ExpectedCodes(string sample)
    {
        var expected = Path.ChangeExtension(RepoPaths.Samples("invalid", sample), ".expected.json");
        using var document = JsonDocument.Parse(File.ReadAllText(expected));
        return document.RootElement.GetProperty("issues").EnumerateArray()
            .Select(issue => issue.GetProperty("code").GetString()!).ToList();
    }
}
