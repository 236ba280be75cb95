using System.Net;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>Read, vread, history, ETags and search with paging on sessions stored through intake.</summary>
public sealed class ReadAndSearchTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new();
    private HttpClient _client = null!;
    private string _patientId = "";
    private string _procedureId = "";

    public async Task InitializeAsync()
    {
        _client = _factory.ClientWithKey();
        for (var i = 1; i <= 5; i++)
        {
            var response = await _client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text($"S-{i}"), "application/json"));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var body = await response.ReadJsonAsync();
            _patientId = body.GetProperty("resources")[0].GetProperty("id").GetString()!;
            _procedureId = body.GetProperty("procedure").GetString()!.Split('/')[1];
        }
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Read_ReturnsTheResourceWithETagAndLastModified()
    {
        var response = await _client.GetAsync($"/fhir/Procedure/{_procedureId}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("W/\"1\"", response.Headers.ETag?.ToString());
        Assert.NotNull(response.Content.Headers.LastModified);
        var procedure = await response.ReadFhirAsync<Procedure>();
        Assert.Equal($"Patient/{_patientId}", procedure.Subject!.Reference);
    }

    [Fact]
    public async Task Read_WithPlainJsonAccept_AnswersApplicationJson()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/fhir/Procedure/{_procedureId}");
        request.Headers.Accept.ParseAdd("application/json");

        var response = await _client.SendAsync(request);

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Read_OfAnUnknownId_Is404Outcome()
    {
        await (await _client.GetAsync("/fhir/Procedure/does-not-exist")).AssertOutcomeAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task VRead_ReturnsThatVersion_AndUnknownVersionsAre404()
    {
        var v1 = await _client.GetAsync($"/fhir/Procedure/{_procedureId}/_history/1");
        Assert.Equal(HttpStatusCode.OK, v1.StatusCode);
        Assert.Equal("1", (await v1.ReadFhirAsync<Procedure>()).Meta!.VersionId);

        await (await _client.GetAsync($"/fhir/Procedure/{_procedureId}/_history/9")).AssertOutcomeAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync($"/fhir/Procedure/{_procedureId}/_history/x")).AssertOutcomeAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task History_ListsEveryVersionNewestFirst()
    {
        var bundle = await (await _client.GetAsync($"/fhir/Patient/{_patientId}/_history")).ReadFhirAsync<Bundle>();

        Assert.Equal(Bundle.BundleType.History, bundle.Type);
        Assert.Single(bundle.Entry);
        Assert.Equal("201 Created", bundle.Entry[0].Response!.Status);
    }

    [Theory]
    [InlineData("Procedure", "patient=Patient/{patient}", 5)]
    [InlineData("Procedure", "subject={patient}", 5)]
    [InlineData("Procedure", "identifier=https://pt.example-clinic.org/stm|S-3", 1)]
    [InlineData("Procedure", "code=http://www.ama-assn.org/go/cpt|97140", 5)]
    [InlineData("Procedure", "date=2026-03-02", 5)]
    [InlineData("Procedure", "date=lt2026-03-01", 0)]
    [InlineData("Procedure", "_lastUpdated=gt2020-01-01", 5)]
    [InlineData("Observation", "part-of=Procedure/{procedure}", 3)]
    [InlineData("Observation", "part-of=Procedure/{procedure}&code=http://loinc.org|72514-3", 2)]
    [InlineData("RiskAssessment", "patient={patient}&date=ge2026-03-02", 5)]
    [InlineData("Patient", "identifier=https://example-hospital.org/mrn|MRN-0048213", 1)]
    public async Task Search_ByEachParameter_FindsTheMatches(string type, string query, int expected)
    {
        var url = $"/fhir/{type}?" + query.Replace("{patient}", _patientId, StringComparison.Ordinal).Replace("{procedure}", _procedureId, StringComparison.Ordinal);

        var response = await _client.GetAsync(url.Replace("|", "%7C", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bundle = await response.ReadFhirAsync<Bundle>();
        Assert.Equal(Bundle.BundleType.Searchset, bundle.Type);
        Assert.Equal(expected, bundle.Total);
        Assert.All(bundle.Entry, e => Assert.Equal(type, e.Resource!.TypeName));
    }

    [Fact]
    public async Task Search_WithCount_PagesWithNextAndPreviousLinks()
    {
        var page1 = await (await _client.GetAsync("/fhir/Procedure?_count=2")).ReadFhirAsync<Bundle>();
        Assert.Equal(5, page1.Total);
        Assert.Equal(2, page1.Entry.Count);
        Assert.Null(page1.PreviousLink);
        Assert.NotNull(page1.NextLink);

        var page2 = await (await _client.GetAsync(page1.NextLink!.PathAndQuery)).ReadFhirAsync<Bundle>();
        var page3 = await (await _client.GetAsync(page2.NextLink!.PathAndQuery)).ReadFhirAsync<Bundle>();

        Assert.Single(page3.Entry);
        Assert.Null(page3.NextLink);
        Assert.NotNull(page3.PreviousLink);
        var ids = page1.Entry.Concat(page2.Entry).Concat(page3.Entry).Select(e => e.Resource!.Id).ToList();
        Assert.Equal(5, ids.Distinct().Count());
    }

    [Fact]
    public async Task Search_WithUnknownParameters_Is400ListingThem()
    {
        var outcome = await (await _client.GetAsync("/fhir/Procedure?name=x&performer=y&code=97140")).AssertOutcomeAsync(HttpStatusCode.BadRequest);

        Assert.Contains("name", outcome.Diagnostics());
        Assert.Contains("performer", outcome.Diagnostics());
    }

    [Fact]
    public async Task Search_WithABadDate_Is400()
    {
        await (await _client.GetAsync("/fhir/Procedure?date=yesterday")).AssertOutcomeAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UnknownResourceType_Is404Outcome()
    {
        await (await _client.GetAsync("/fhir/Medication/1")).AssertOutcomeAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync("/fhir/NoSuchType")).AssertOutcomeAsync(HttpStatusCode.NotFound);
    }
}
