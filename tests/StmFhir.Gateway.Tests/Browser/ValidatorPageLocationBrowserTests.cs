using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Browser;

/// <summary>
/// The validator page for the people it serves, in headless Chromium against the real gateway: STM session records are
/// mapped then validated with their issues at the session's fields, Bundle entries are named by type and id, an issue
/// takes the user to its line, long messages are cut (the full one kept in a title), and an issue is listed once.
/// </summary>
public sealed class ValidatorPageLocationBrowserTests(KestrelGatewayFactory gateway, Chromium chromium)
    : IClassFixture<KestrelGatewayFactory>, IClassFixture<Chromium>
{
    [Fact]
    public async Task AnStmSessionRecord_IsMappedAndValidated_WithIssuesAtItsFields()
    {
        var page = await ValidateAsync(File.ReadAllText(RepoPaths.Samples("sessions", "08-de-quervain-petechiae.json")), "#summary.ok");

        Assert.StartsWith("STM session record, mapped to FHIR: Valid", await page.TextContentAsync("#summary"));
        var row = page.Locator("#issues tbody tr", new PageLocatorOptions { HasText = "STM-CLIN-008" });
        Assert.StartsWith("$.complications", await row.Locator("td.expression").TextContentAsync());
        chromium.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task AnStmSessionRecordThatCannotBeMapped_ListsTheFieldInError()
    {
        var session = JsonNode.Parse(File.ReadAllText(RepoPaths.Samples("sessions", "01-lateral-epicondylitis-iastm.json")))!;
        session["painScores"]![1]!["score"] = 12;
        var page = await ValidateAsync(session.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), "#summary.failed");

        var where = await page.Locator("#issues tbody td.expression").AllTextContentsAsync();
        Assert.Contains("$.painScores[1].score", where);
        chromium.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task BundleIssues_NameTheEntryByTypeAndId_AndAClickSelectsTheLine()
    {
        var text = File.ReadAllText(RepoPaths.Samples("invalid", "core-required-binding-status.json"));
        var id = JsonNode.Parse(text)!["entry"]![3]!["resource"]!["id"]!.GetValue<string>();
        var page = await ValidateAsync(text, "#summary.failed");

        var row = page.Locator("#issues tbody tr", new PageLocatorOptions { HasText = "FIRELY-6007" });
        Assert.Equal($"Observation/{id}.status", await row.Locator("td.expression").TextContentAsync());
        Assert.Equal("Bundle.entry[3].resource.status", await row.Locator("td.expression").GetAttributeAsync("title"));
        await row.ClickAsync();

        var selected = await page.EvalOnSelectorAsync<string>("#resource", "t => t.value.slice(t.selectionStart, t.selectionEnd)");
        Assert.Contains("\"status\"", selected);
        Assert.Contains("done", selected);
        var line = int.Parse(await row.GetAttributeAsync("data-line") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("\"done\"", text.Split('\n')[line - 1]);
        chromium.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task ALongRegexMessage_IsShortWithTheFullOneInItsTitle()
    {
        var page = await ValidateAsync(File.ReadAllText(RepoPaths.Samples("invalid", "structure-invalid-date.json")), "#summary.failed");

        var message = page.Locator("#issues tbody tr", new PageLocatorOptions { HasText = "FIRELY-1006" }).Locator("td.message");
        var shown = await message.TextContentAsync() ?? "";
        var full = await message.GetAttributeAsync("title") ?? "";
        Assert.True(shown.Length <= 160, shown);
        Assert.Contains("regex", shown);
        Assert.True(full.Length > 200, full);
        Assert.StartsWith(shown.TrimEnd('…', '\'')[..30], full);
        chromium.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task TheSameResourceTwiceInABundle_ListsItsIssueOnce()
    {
        var bundle = JsonNode.Parse(File.ReadAllText(RepoPaths.Samples("invalid", "core-required-binding-status.json")))!;
        bundle["entry"]!.AsArray().Add(bundle["entry"]![3]!.DeepClone());
        var text = bundle.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        var raw = await (await gateway.RealClient().PostAsync("/fhir/$validate", Http.Json(text))).ReadJsonAsync();
        Assert.Equal(2, raw.GetProperty("issue").EnumerateArray().Count(i => i.ToString().Contains("FIRELY-6007", StringComparison.Ordinal)));

        var page = await ValidateAsync(text, "#summary.failed");

        Assert.Equal(1, await page.Locator("#issues tbody tr", new PageLocatorOptions { HasText = "FIRELY-6007" }).CountAsync());
        chromium.AssertNoScriptErrors(page);
    }

    private async Task<IPage> ValidateAsync(string text, string verdict)
    {
        var page = await chromium.NewPageAsync(gateway.Address);
        await page.GotoAsync("/validate");
        await page.FillAsync("#resource", text);
        await page.FillAsync("#key", GatewayFactory.ReadWriteKey);
        await page.ClickAsync("#validate");
        await page.WaitForSelectorAsync(verdict);
        return page;
    }
}
