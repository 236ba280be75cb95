using System.Net;
using System.Text.Json;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>_revinclude, _include, _sort, chains, POST _search, _summary, _elements and lenient handling over HTTP.</summary>
public sealed class SearchFeaturesTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new();
    private HttpClient _client = null!;
    private string _patientId = "";
    private readonly List<string> _procedures = [];

    public async Task InitializeAsync()
    {
        _client = _factory.ClientWithKey();
        foreach (var (session, day) in new[] { ("SF-1", "02"), ("SF-2", "09"), ("SF-3", "05") })
        {
            // Every time of the session on its own day.
            var json = SessionJson.Text(session).Replace("2026-03-02", $"2026-03-{day}", StringComparison.Ordinal);
            var response = await _client.PostAsync("/stm/sessions", Http.Json(json, "application/json"));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var body = await response.ReadJsonAsync();
            _patientId = body.GetProperty("resources")[0].GetProperty("id").GetString()!;
            _procedures.Add(body.GetProperty("procedure").GetString()!.Split('/')[1]);
        }
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static List<(string Type, string Mode)> Entries(JsonElement bundle) =>
        [.. bundle.GetProperty("entry").EnumerateArray().Select(e =>
            (e.GetProperty("resource").GetProperty("resourceType").GetString()!, e.GetProperty("search").GetProperty("mode").GetString()!))];

    [Fact]
    public async Task RevIncludeObservationPartOf_SortedNewestFirst_GivesMatchesThenIncludes_AndTheTotalOfMatches()
    {
        var response = await _client.GetAsync($"/fhir/Procedure?patient={_patientId}&_revinclude=Observation:part-of&_sort=-date");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bundle = await response.ReadJsonAsync();
        Assert.Equal(3, bundle.GetProperty("total").GetInt32());
        var entries = Entries(bundle);
        Assert.Equal([("Procedure", "match"), ("Procedure", "match"), ("Procedure", "match")], entries.Take(3));
        Assert.All(entries.Skip(3), e => Assert.Equal(("Observation", "include"), e));
        Assert.True(entries.Count > 3);
        var ids = bundle.GetProperty("entry").EnumerateArray().Take(3).Select(e => e.GetProperty("resource").GetProperty("id").GetString());
        Assert.Equal([_procedures[1], _procedures[2], _procedures[0]], ids);
    }

    [Fact]
    public async Task IncludedTypesTheCredentialMayNotRead_AreLeftOut_AndAChainIntoThemIsRefused()
    {
        var client = _factory.ClientWithBearer(TestTokens.Create("system/Procedure.rs"));
        await (await client.GetAsync("/fhir/Procedure?patient.identifier=MRN-0048213")).AssertOutcomeAsync(HttpStatusCode.Forbidden);

        var bundle = await (await client.GetAsync($"/fhir/Procedure?_include=Procedure:patient&_include=Procedure:performer")).ReadJsonAsync();

        Assert.Equal(3, bundle.GetProperty("total").GetInt32());
        Assert.All(Entries(bundle), e => Assert.Equal(("Procedure", "match"), e));
    }

    [Fact]
    public async Task PostSearchWithAFormBody_AndAChainedIdentifier_FindsTheSameAsGet()
    {
        using var form = new FormUrlEncodedContent([
            KeyValuePair.Create("patient.identifier", "https://example-hospital.org/mrn|MRN-0048213"),
            KeyValuePair.Create("_sort", "date")]);

        var response = await _client.PostAsync("/fhir/Procedure/_search", form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bundle = await response.ReadJsonAsync();
        Assert.Equal([_procedures[0], _procedures[2], _procedures[1]],
            bundle.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("id").GetString()));
    }

    [Fact]
    public async Task SummaryCount_GivesTheTotalOnly_AndSummaryTrueAndElements_MarkTheResourcesSubsetted()
    {
        var count = await (await _client.GetAsync("/fhir/Procedure?_summary=count")).ReadJsonAsync();
        var summary = await (await _client.GetAsync("/fhir/Procedure?_summary=true&_count=1")).ReadJsonAsync();
        var elements = await (await _client.GetAsync("/fhir/Procedure?_elements=status&_count=1")).ReadJsonAsync();

        Assert.Equal(3, count.GetProperty("total").GetInt32());
        Assert.False(count.TryGetProperty("entry", out _));
        var summarized = summary.GetProperty("entry")[0].GetProperty("resource");
        Assert.Contains("SUBSETTED", summarized.GetProperty("meta").GetRawText(), StringComparison.Ordinal);
        Assert.False(summarized.TryGetProperty("note", out _));
        var subset = elements.GetProperty("entry")[0].GetProperty("resource");
        Assert.Equal("completed", subset.GetProperty("status").GetString());
        Assert.False(subset.TryGetProperty("code", out _));
        Assert.Contains("SUBSETTED", subset.GetProperty("meta").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownParameter_Is400_UnlessHandlingIsLenient_ThenLeftOutOfTheSelfLink()
    {
        await (await _client.GetAsync("/fhir/Procedure?colour=blue")).AssertOutcomeAsync(HttpStatusCode.BadRequest);
        await (await _client.GetAsync("/fhir/Procedure?code:exact=x")).AssertOutcomeAsync(HttpStatusCode.BadRequest);
        await (await _client.GetAsync("/fhir/Procedure?_include=Procedure:code")).AssertOutcomeAsync(HttpStatusCode.BadRequest);
        await (await _client.GetAsync("/fhir/Procedure?_sort=patient")).AssertOutcomeAsync(HttpStatusCode.BadRequest);
        using var lenient = new HttpRequestMessage(HttpMethod.Get, "/fhir/Procedure?colour=blue&status=completed");
        lenient.Headers.Add("Prefer", "handling=lenient");

        var response = await _client.SendAsync(lenient);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bundle = await response.ReadJsonAsync();
        Assert.Equal(3, bundle.GetProperty("total").GetInt32());
        var self = bundle.GetProperty("link").EnumerateArray().First(l => l.GetProperty("relation").GetString() == "self").GetProperty("url").GetString();
        Assert.DoesNotContain("colour", self, StringComparison.Ordinal);
        Assert.Contains("status=completed", self, StringComparison.Ordinal);
    }
}
