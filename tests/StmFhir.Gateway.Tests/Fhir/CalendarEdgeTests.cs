using System.Net;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>Dates at the calendar's ends, which FHIR allows, are stored, indexed and searched without a 5xx.</summary>
public sealed class CalendarEdgeTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new();
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _factory.ClientWithKey();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static string Observation(string id, string effective) => $$"""
        {"resourceType":"Observation","id":"{{id}}","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"72514-3"}]},
         "subject":{"reference":"Patient/edge"},"effectiveDateTime":"{{effective}}","valueInteger":3}
        """;

    [Theory]
    [InlineData("9999-12-31T09:59:59-14:00", "date=ge9999-12-31T23:59:59Z")]
    [InlineData("9999-12-31T09:59:59.999-14:00", "date=9999-12-31T23:59:59.999Z")]
    [InlineData("9999", "date=9999")]
    [InlineData("9999-12-31", "date=9999-12-31")]
    [InlineData("0001-01-01", "date=le0001-01-01")]
    [InlineData("0001-01-01T14:00:00+14:00", "date=0001-01-01T00:00:00Z")]
    public async Task UpdateOfAnObservationAtTheCalendarsEnds_IsStoredWithItsExactDate_AndFoundByIt(string effective, string query)
    {
        var response = await _client.PutAsync("/fhir/Observation/edge", Http.Json(Observation("edge", effective)));

        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var stored = await (await _client.GetAsync("/fhir/Observation/edge")).ReadJsonAsync();
        Assert.Equal(effective, stored.GetProperty("effectiveDateTime").GetString());
        var found = await (await _client.GetAsync("/fhir/Observation?" + query.Replace("+", "%2B", StringComparison.Ordinal))).ReadFhirAsync<Bundle>();
        Assert.Equal(1, found.Total);
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59-14:00")]
    [InlineData("0001-01-01T00:00:00+14:00")]
    [InlineData("2016-12-31T23:59:60Z")]
    public async Task UpdateOfAnObservationPastWhatTheFhirParserHolds_IsStoredAsWritten(string effective)
    {
        // FHIR's regular expression allows these; Firely's parser (a DateTimeOffset) cannot hold them. The reader keeps
        // the literal, the index clamps it, and the stored resource reads back exactly as it was sent.
        var response = await _client.PutAsync("/fhir/Observation/edge", Http.Json(Observation("edge", effective)));

        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var stored = await (await _client.GetAsync("/fhir/Observation/edge")).ReadJsonAsync();
        Assert.Equal(effective, stored.GetProperty("effectiveDateTime").GetString());
        var searched = await _client.GetAsync("/fhir/Observation?date=" + effective[..4]);
        Assert.Equal(HttpStatusCode.OK, searched.StatusCode);
    }

    [Theory]
    [InlineData("2023-02-29T10:00:00Z")]
    [InlineData("2026-13-01")]
    public async Task UpdateOfAnObservationWithADateNotInTheCalendar_IsA4xx(string effective)
    {
        var response = await _client.PutAsync("/fhir/Observation/edge", Http.Json(Observation("edge", effective)));

        Assert.InRange((int)response.StatusCode, 400, 499);
    }

    [Fact]
    public async Task ASessionInTheLastYearOfTheCalendar_IsStoredAndFoundByItsDate()
    {
        var session = SessionJson.Create("STM-EDGE-9999");
        foreach (var (node, field) in new[]
        {
            (session, "start"), (session, "end"), (session["painScores"]![0]!.AsObject(), "takenAt"), (session["painScores"]![1]!.AsObject(), "takenAt"),
            (session["romMeasurements"]![0]!.AsObject(), "takenAt"), (session["screening"]!.AsObject(), "performedAt"),
        })
        {
            // The same times of day, in the calendar's last year and at its westernmost offset: 9999-12-31T09:30-14:00 is 23:30 UTC.
            node[field] = "9999-12-31T" + node[field]!.GetValue<string>()[11..19] + "-14:00";
        }

        var response = await _client.PostAsync("/stm/sessions", Http.Json(session.ToJsonString(), "application/json"));

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var found = await (await _client.GetAsync("/fhir/Procedure?date=9999-12-31")).ReadFhirAsync<Bundle>();
        Assert.Equal(1, found.Total);
    }

    [Theory]
    [InlineData("_lastUpdated=0000")]
    [InlineData("date=ge0000-12-31")]
    [InlineData("date=2026-03-02T09:30:00%2B15:00")]
    public async Task ASearchDateOutsideFhirsCalendar_Is400NamingTheParameter(string query)
    {
        var outcome = await (await _client.GetAsync("/fhir/Procedure?" + query)).AssertOutcomeAsync(HttpStatusCode.BadRequest);

        Assert.StartsWith(query[..query.IndexOf('=', StringComparison.Ordinal)] + ":", outcome.Diagnostics(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("date=ge0001-01-01T00:00:00%2B14:00")]
    [InlineData("_lastUpdated=le9999-12-31T23:59:59-14:00")]
    [InlineData("date=sa9999")]
    public async Task ASearchDateAtTheCalendarsEnds_Is200(string query)
    {
        var response = await _client.GetAsync("/fhir/Procedure?" + query);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
