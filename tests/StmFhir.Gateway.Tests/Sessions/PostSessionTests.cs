using System.Net;
using System.Text.Json;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;

namespace StmFhir.Gateway.Tests.Sessions;

/// <summary>
/// <c>POST /stm/sessions</c>: storing, recognising re-sends, updating changed sessions, and refusing bad records.
/// The real validation engine runs (every sample passes it); ValidationTests cover what it refuses.
/// </summary>
public sealed class PostSessionTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new();
    private HttpClient _client = null!;

    public System.Threading.Tasks.Task InitializeAsync()
    {
        _client = _factory.ClientWithKey();
        return System.Threading.Tasks.Task.CompletedTask;
    }

    public async System.Threading.Tasks.Task DisposeAsync() => await _factory.DisposeAsync();

    private Task<HttpResponseMessage> PostAsync(string json) => _client.PostAsync("/stm/sessions", Http.Json(json, "application/json"));

    [Fact]
    public async System.Threading.Tasks.Task NewSession_IsCreatedWithLocationAndIds()
    {
        var response = await PostAsync(SessionJson.Text());

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal("created", body.GetProperty("outcome").GetString());
        var procedure = body.GetProperty("procedure").GetString()!;
        Assert.EndsWith(procedure, response.Headers.Location!.ToString());
        var resources = body.GetProperty("resources").EnumerateArray().ToList();
        Assert.Equal(["Patient", "Practitioner", "Procedure", "Observation", "Observation", "Observation", "RiskAssessment"],
            resources.Select(r => r.GetProperty("resourceType").GetString()));
        Assert.All(resources, r => Assert.Equal("created", r.GetProperty("outcome").GetString()));

        var read = await _client.GetAsync(response.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("W/\"1\"", read.Headers.ETag?.ToString());
    }

    [Fact]
    public async System.Threading.Tasks.Task SameSessionAgain_Answers200WithTheSameIdsAndNoNewVersion()
    {
        var first = await (await PostAsync(SessionJson.Text())).ReadJsonAsync();

        var again = await PostAsync(SessionJson.Text());

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var body = await again.ReadJsonAsync();
        Assert.Equal("unchanged", body.GetProperty("outcome").GetString());
        Assert.Equal(Ids(first), Ids(body));
        Assert.All(body.GetProperty("resources").EnumerateArray(), r => Assert.Equal("1", r.GetProperty("versionId").GetString()));
        var procedures = await (await _client.GetAsync("/fhir/Procedure")).ReadFhirAsync<Bundle>();
        Assert.Equal(1, procedures.Total);
    }

    private static List<string> Ids(JsonElement body) =>
        [.. body.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("resourceType").GetString() + "/" + r.GetProperty("id").GetString())];

    [Fact]
    public async System.Threading.Tasks.Task ChangedSession_UpdatesTheChangedResourcesAsNewVersions()
    {
        var first = await (await PostAsync(SessionJson.Text(prePain: 6))).ReadJsonAsync();

        var changed = await PostAsync(SessionJson.Text(prePain: 8));

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var body = await changed.ReadJsonAsync();
        Assert.Equal("updated", body.GetProperty("outcome").GetString());
        Assert.Equal(Ids(first), Ids(body));
        var updated = Assert.Single(body.GetProperty("resources").EnumerateArray(), r => r.GetProperty("outcome").GetString() == "updated");
        Assert.Equal("2", updated.GetProperty("versionId").GetString());
        var id = updated.GetProperty("id").GetString();
        var history = await (await _client.GetAsync($"/fhir/Observation/{id}/_history")).ReadFhirAsync<Bundle>();
        Assert.Equal(2, history.Entry.Count);
        var current = await (await _client.GetAsync($"/fhir/Observation/{id}")).ReadFhirAsync<Observation>();
        Assert.Equal(8, ((Integer)current.Value!).Value);
    }

    [Fact]
    public async System.Threading.Tasks.Task MalformedJson_Is400AndStoresNothing()
    {
        var response = await PostAsync("{\"sourceSystem\": \"https://pt.example-clinic.org/stm\", \"sessionId\": ");

        var outcome = await response.AssertOutcomeAsync(HttpStatusCode.BadRequest);
        Assert.Contains("not valid JSON", outcome.Diagnostics());
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async System.Threading.Tasks.Task JsonNestedPast64Levels_Is400()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 70)) + "1" + new string('}', 70);

        var outcome = await (await PostAsync(deep)).AssertOutcomeAsync(HttpStatusCode.BadRequest);

        Assert.Contains("nested deeper than 64", outcome.Diagnostics());
    }

    [Theory]
    [InlineData(16, 17, HttpStatusCode.BadRequest)]
    [InlineData(100, 70, HttpStatusCode.UnprocessableEntity)]
    public async System.Threading.Tasks.Task NestingIsLimitedByFhirMaxJsonDepth_DeeperIs400_WithinIsReadAsARecord(int limit, int levels, HttpStatusCode expected)
    {
        await using var gateway = new GatewayFactory();
        gateway.Settings["Fhir:MaxJsonDepth"] = limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var session = SessionJson.Create();
        session["notes"] = "deep";
        var body = session.ToJsonString().Replace("\"deep\"", new string('[', levels - 1) + new string(']', levels - 1), StringComparison.Ordinal);

        var outcome = await (await gateway.ClientWithKey().PostAsync("/stm/sessions", Http.Json(body, "application/json")))
            .AssertOutcomeAsync(expected);

        Assert.Equal(expected == HttpStatusCode.BadRequest ? $"The JSON is nested deeper than {limit} levels" : "$.notes: must be a string",
            Assert.Single(outcome.Issue).Diagnostics);
    }

    [Fact]
    public async System.Threading.Tasks.Task InvalidRecord_Is422ListingEveryProblemWithItsStmPath()
    {
        var session = SessionJson.Create();
        session["painScores"]![0]!["score"] = 11;
        session["romMeasurements"]![0]!["degrees"] = -5;
        session.Remove("technique");

        var response = await PostAsync(session.ToJsonString());

        var outcome = await response.AssertOutcomeAsync(HttpStatusCode.UnprocessableEntity);
        var locations = outcome.Issue.SelectMany(i => i.Location).ToList();
        Assert.Contains("$.painScores[0].score", locations);
        Assert.Contains("$.romMeasurements[0].degrees", locations);
        Assert.Contains("$.technique", locations);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async System.Threading.Tasks.Task NonJsonContentType_Is415()
    {
        var response = await _client.PostAsync("/stm/sessions", new StringContent(SessionJson.Text(), System.Text.Encoding.UTF8, "text/plain"));

        await response.AssertOutcomeAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [MemberData(nameof(RepoPaths.SampleSessions), MemberType = typeof(RepoPaths))]
    public async System.Threading.Tasks.Task SampleSession_IsStoredThenRecognised(string file)
    {
        var json = await File.ReadAllTextAsync(RepoPaths.Samples("sessions", file));

        var first = await PostAsync(json);
        var second = await PostAsync(json);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(Ids(await first.ReadJsonAsync()), Ids(await second.ReadJsonAsync()));
    }

    private async System.Threading.Tasks.Task AssertNothingStoredAsync()
    {
        foreach (var type in new[] { "Patient", "Procedure", "Observation" })
        {
            var bundle = await (await _client.GetAsync($"/fhir/{type}?_count=0")).ReadFhirAsync<Bundle>();
            Assert.Equal(0, bundle.Total);
        }
    }
}
