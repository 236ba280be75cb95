using System.Net;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>Create and update through the facade: versions, ETag/If-Match, conditional create, refusals.</summary>
public sealed class WriteTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new();
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _factory.ClientWithKey();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static Patient Patient(string id, string family) => new()
    {
        Id = id,
        Identifier = [new Identifier("https://example-hospital.org/mrn", "W-" + id)],
        Name = [new HumanName { Family = family }],
    };

    [Fact]
    public async Task Put_OfANewId_Creates_ThenUpdatesWithANewVersion()
    {
        var created = await _client.PutAsync("/fhir/Patient/w1", Http.Fhir(Patient("w1", "A")));
        var updated = await _client.PutAsync("/fhir/Patient/w1", Http.Fhir(Patient("w1", "B")));
        var unchanged = await _client.PutAsync("/fhir/Patient/w1", Http.Fhir(Patient("w1", "B")));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.EndsWith("/fhir/Patient/w1/_history/1", created.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("W/\"2\"", updated.Headers.ETag?.ToString());
        Assert.Equal("W/\"2\"", unchanged.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task Put_WithStaleIfMatch_Is412_AndWithCurrentIfMatchSucceeds()
    {
        await _client.PutAsync("/fhir/Patient/w2", Http.Fhir(Patient("w2", "A")));
        await _client.PutAsync("/fhir/Patient/w2", Http.Fhir(Patient("w2", "B")));

        using var stale = new HttpRequestMessage(HttpMethod.Put, "/fhir/Patient/w2") { Content = Http.Fhir(Patient("w2", "C")) };
        stale.Headers.TryAddWithoutValidation("If-Match", "W/\"1\"");
        await (await _client.SendAsync(stale)).AssertOutcomeAsync(HttpStatusCode.PreconditionFailed);

        using var current = new HttpRequestMessage(HttpMethod.Put, "/fhir/Patient/w2") { Content = Http.Fhir(Patient("w2", "C")) };
        current.Headers.TryAddWithoutValidation("If-Match", "W/\"2\"");
        var response = await _client.SendAsync(current);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("W/\"3\"", response.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task Put_WithIdMismatch_Is400()
    {
        var outcome = await (await _client.PutAsync("/fhir/Patient/w3", Http.Fhir(Patient("other", "A")))).AssertOutcomeAsync(HttpStatusCode.BadRequest);

        Assert.Contains("differs", outcome.Diagnostics());
    }

    [Fact]
    public async Task Put_WithoutId_Is400()
    {
        await (await _client.PutAsync("/fhir/Patient/w3", Http.Fhir(new Patient { Name = [new HumanName { Family = "A" }] })))
            .AssertOutcomeAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task WrongResourceTypeForTheUrl_Is400()
    {
        var observation = new Observation { Id = "w4", Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "72514-3") };

        await (await _client.PutAsync("/fhir/Patient/w4", Http.Fhir(observation))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
        await (await _client.PostAsync("/fhir/Patient", Http.Fhir(observation))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Post_WithIfNoneExist_CreatesOnce()
    {
        var patient = new Patient { Identifier = [new Identifier("https://example-hospital.org/mrn", "NEW-1")] };
        using var first = new HttpRequestMessage(HttpMethod.Post, "/fhir/Patient") { Content = Http.Fhir(patient) };
        first.Headers.Add("If-None-Exist", "identifier=https://example-hospital.org/mrn|NEW-1");
        using var second = new HttpRequestMessage(HttpMethod.Post, "/fhir/Patient") { Content = Http.Fhir(patient) };
        second.Headers.Add("If-None-Exist", "identifier=https://example-hospital.org/mrn|NEW-1");

        var created = await _client.SendAsync(first);
        var matched = await _client.SendAsync(second);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, matched.StatusCode);
        Assert.Equal((await created.ReadFhirAsync<Patient>()).Id, (await matched.ReadFhirAsync<Patient>()).Id);
    }
}
