using System.Net;
using System.Net.Http.Headers;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>304 on read and vread, HEAD, conditional update and type/system history, over real HTTP (Kestrel).</summary>
public sealed class InteractionsTests : IAsyncLifetime
{
    private const string Mrn = "https://example-hospital.org/mrn";

    private readonly KestrelGatewayFactory _factory = new();
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _factory.RealClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    private static Patient NewPatient(string mrn, string family) => new()
    {
        Identifier = [new Identifier(Mrn, mrn)],
        Name = [new HumanName { Family = family, Given = ["Ada"] }],
        Gender = AdministrativeGender.Female,
        BirthDate = "1980-01-01",
    };

    private async Task<Patient> CreateAsync(string mrn, string family = "Lovelace")
    {
        var response = await _client.PostAsync("/fhir/Patient", Http.Fhir(NewPatient(mrn, family)));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadFhirAsync<Patient>();
    }

    [Fact]
    public async Task ReadAndVRead_WithTheCurrentETagOrASinceNoEarlier_Are304WithoutABody_AndOtherwise200()
    {
        var patient = await CreateAsync("IX-304");
        foreach (var url in new[] { $"/fhir/Patient/{patient.Id}", $"/fhir/Patient/{patient.Id}/_history/1" })
        {
            using var same = new HttpRequestMessage(HttpMethod.Get, url);
            same.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"1\"", isWeak: true));
            using var other = new HttpRequestMessage(HttpMethod.Get, url);
            other.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"7\"", isWeak: true));
            using var since = new HttpRequestMessage(HttpMethod.Get, url);
            since.Headers.IfModifiedSince = DateTimeOffset.UtcNow.AddMinutes(1);
            using var before = new HttpRequestMessage(HttpMethod.Get, url);
            before.Headers.IfModifiedSince = DateTimeOffset.UtcNow.AddDays(-1);

            var notModified = await _client.SendAsync(same);

            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Equal("W/\"1\"", notModified.Headers.ETag?.ToString());
            Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
            Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(other)).StatusCode);
            Assert.Equal(HttpStatusCode.NotModified, (await _client.SendAsync(since)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await _client.SendAsync(before)).StatusCode);
        }
    }

    [Fact]
    public async Task Head_OfARead_GivesTheHeadersOfTheGet_WithoutABody()
    {
        var patient = await CreateAsync("IX-HEAD");

        var head = await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/fhir/Patient/{patient.Id}"));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal("W/\"1\"", head.Headers.ETag?.ToString());
        Assert.Equal("application/fhir+json", head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await _client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/fhir/Patient/nobody"))).StatusCode);
    }

    [Fact]
    public async Task ConditionalUpdate_CreatesWithoutAMatch_UpdatesTheOneMatch_AndRefusesSeveral()
    {
        var created = await _client.PutAsync($"/fhir/Patient?identifier={Mrn}|IX-CU", Http.Fhir(NewPatient("IX-CU", "First")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.ReadFhirAsync<Patient>()).Id;

        var updated = await _client.PutAsync($"/fhir/Patient?identifier={Mrn}|IX-CU", Http.Fhir(NewPatient("IX-CU", "Second")));

        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var patient = await updated.ReadFhirAsync<Patient>();
        Assert.Equal((id, "2", "Second"), (patient.Id, patient.Meta!.VersionId, patient.Name[0].Family));
        await CreateAsync("IX-OTHER");
        // Patients' identifiers are unique here, so several matches come from a wider criterion.
        await (await _client.PutAsync("/fhir/Patient?_lastUpdated=ge2000-01-01", Http.Fhir(NewPatient("IX-DUP", "Third"))))
            .AssertOutcomeAsync(HttpStatusCode.PreconditionFailed);
        await (await _client.PutAsync("/fhir/Patient?_count=1", Http.Fhir(NewPatient("IX-NONE", "Fourth")))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task TypeAndSystemHistory_ListEveryVersionNewestFirst_AndPage()
    {
        var patient = await CreateAsync("IX-H1");
        patient.Name[0].Family = "Changed";
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsync($"/fhir/Patient/{patient.Id}", Http.Fhir(patient))).StatusCode);
        await CreateAsync("IX-H2");

        var type = await (await _client.GetAsync("/fhir/Patient/_history")).ReadFhirAsync<Bundle>();
        var system = await (await _client.GetAsync("/fhir/_history?_count=2")).ReadFhirAsync<Bundle>();

        Assert.Equal(Bundle.BundleType.History, type.Type);
        Assert.Equal(3, type.Total);
        Assert.Equal(["1", "2", "1"], type.Entry.Select(e => e.Resource!.Meta!.VersionId));
        Assert.Equal(Bundle.HTTPVerb.PUT, type.Entry[1].Request!.Method);
        Assert.Equal(3, system.Total);
        Assert.Equal(2, system.Entry.Count);
        Assert.Contains(system.Link, l => l.Relation == "next");
    }

    private Task<HttpResponseMessage> PatchAsync(string id, string operations, string mediaType = "application/json-patch+json") =>
        _client.PatchAsync($"/fhir/Patient/{id}", new StringContent(operations, System.Text.Encoding.UTF8, mediaType));

    [Fact]
    public async Task JsonPatch_AppliesAndValidatesTheResult_AndRefusesFailedTestsBadResultsAndOtherMediaTypes()
    {
        var patient = await CreateAsync("IX-PATCH");

        var patched = await PatchAsync(patient.Id!, """[{"op":"test","path":"/name/0/family","value":"Lovelace"},{"op":"replace","path":"/name/0/family","value":"Byron"}]""");

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var result = await patched.ReadFhirAsync<Patient>();
        Assert.Equal(("Byron", "2"), (result.Name[0].Family, result.Meta!.VersionId));
        await (await PatchAsync(patient.Id!, """[{"op":"test","path":"/name/0/family","value":"Lovelace"}]""")).AssertOutcomeAsync(HttpStatusCode.UnprocessableEntity);
        await (await PatchAsync(patient.Id!, """[{"op":"replace","path":"/id","value":"someone-else"}]""")).AssertOutcomeAsync(HttpStatusCode.UnprocessableEntity);
        var invalid = await (await PatchAsync(patient.Id!, """[{"op":"replace","path":"/gender","value":"purple"}]""")).AssertOutcomeAsync(HttpStatusCode.BadRequest);
        Assert.Contains("gender", invalid.Diagnostics(), StringComparison.OrdinalIgnoreCase);
        await (await PatchAsync(patient.Id!, """{"not":"a patch"}""")).AssertOutcomeAsync(HttpStatusCode.BadRequest);
        await (await PatchAsync(patient.Id!, "[]", "application/fhir+json")).AssertOutcomeAsync(HttpStatusCode.UnsupportedMediaType);
        await (await PatchAsync("nobody", """[{"op":"remove","path":"/gender"}]""")).AssertOutcomeAsync(HttpStatusCode.NotFound);
        Assert.Equal("Byron", (await (await _client.GetAsync($"/fhir/Patient/{patient.Id}")).ReadFhirAsync<Patient>()).Name[0].Family);
    }
}
