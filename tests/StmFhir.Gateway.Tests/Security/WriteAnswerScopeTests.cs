using System.Net;
using System.Text.Json;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Security;

/// <summary>
/// A write answers with the stored resource only to a credential that may read it: a write-only credential learns
/// status, Location, ETag and Last-Modified, never a record (a conditional create would otherwise read any patient by MRN).
/// </summary>
public sealed class WriteAnswerScopeTests : IAsyncLifetime
{
    internal const string Mrn = "https://example-hospital.org/mrn";

    private readonly GatewayFactory _factory = new();
    private HttpClient _readWrite = null!;
    private HttpClient _writeOnly = null!;

    public Task InitializeAsync()
    {
        _readWrite = _factory.ClientWithKey();
        _writeOnly = _factory.ClientWithKey(GatewayFactory.WriteOnlyKey);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    internal static Patient Patient(string mrn, string? id = null) => new()
    {
        Id = id,
        Identifier = [new Identifier(Mrn, mrn)],
        Name = [new HumanName { Family = "Canary-" + mrn, Given = ["Secret"] }],
        Gender = AdministrativeGender.Female,
        BirthDate = "1961-02-03",
    };

    internal static HttpRequestMessage ConditionalCreate(Resource resource, string criteria)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/fhir/{resource.TypeName}") { Content = Http.Fhir(resource) };
        request.Headers.Add("If-None-Exist", criteria);
        return request;
    }

    internal static async Task AssertNoBodyAsync(HttpResponseMessage response, HttpStatusCode status, string location)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, response.Content.Headers.ContentLength);
        Assert.Contains(location, response.Headers.Location!.ToString());
        Assert.StartsWith("W/\"", response.Headers.ETag!.ToString());
        Assert.NotNull(response.Content.Headers.LastModified);
    }

    [Fact]
    public async Task WriteOnlyJwt_ConditionalCreateMatchingAProcedure_AnswersWithoutTheRecord()
    {
        var bundle = StmBundleMapper.ToBundle(StmSessionReader.Read(SessionJson.Text("WA-P1")).Session!);
        Assert.Equal(HttpStatusCode.OK, (await _readWrite.PostAsync("/fhir", Http.Fhir(bundle))).StatusCode);
        var procedure = bundle.Entry.Select(e => e.Resource).OfType<Procedure>().Single();
        var identifier = procedure.Identifier[0];

        using var request = ConditionalCreate(procedure, $"identifier={identifier.System}|{identifier.Value}");
        var matched = await _factory.ClientWithBearer(TestTokens.Create("stmfhir.write")).SendAsync(request);

        await AssertNoBodyAsync(matched, HttpStatusCode.OK, $"/fhir/Procedure/{procedure.Id}/_history/1");
    }

    [Fact]
    public async Task WriteOnlyKey_CreateAndUpdate_AnswerWithoutTheStoredBody()
    {
        var created = await _writeOnly.PostAsync("/fhir/Patient", Http.Fhir(Patient("WA-2")));
        Assert.Equal("", await created.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!.ToString();
        var id = location.Split('/')[^3];

        var updated = await _writeOnly.PutAsync($"/fhir/Patient/{id}", Http.Fhir(Patient("WA-2b", id)));

        await AssertNoBodyAsync(updated, HttpStatusCode.OK, $"/fhir/Patient/{id}/_history/2");
        var put = await _writeOnly.PutAsync("/fhir/Patient/wa-new", Http.Fhir(Patient("WA-3", "wa-new")));
        await AssertNoBodyAsync(put, HttpStatusCode.Created, "/fhir/Patient/wa-new/_history/1");
    }

    [Fact]
    public async Task ReadWriteKey_GetsTheStoredBody_UnlessItPrefersMinimal()
    {
        var created = await _readWrite.PostAsync("/fhir/Patient", Http.Fhir(Patient("WA-4")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("WA-4", (await created.ReadFhirAsync<Patient>()).Identifier[0].Value);

        using var request = ConditionalCreate(Patient("WA-4"), $"identifier={Mrn}|WA-4");
        request.Headers.Add("Prefer", "return=minimal");
        var matched = await _readWrite.SendAsync(request);

        await AssertNoBodyAsync(matched, HttpStatusCode.OK, "/_history/1");
    }

    [Fact]
    public async Task WriteOnlyKey_TransactionAndBatchAndSession_AnswerWithoutRecords()
    {
        await _readWrite.PostAsync("/stm/sessions", Http.Json(SessionJson.Text("WA-S1", family: "Canaryfamily"), "application/json"));
        var bundle = StmBundleMapper.ToBundle(StmSessionReader.Read(SessionJson.Text("WA-S1", family: "Canaryfamily")).Session!);

        var transaction = await _writeOnly.PostAsync("/fhir", Http.Fhir(bundle));
        bundle.Type = Bundle.BundleType.Batch;
        bundle.Entry.Add(new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.GET, Url = "Patient" } });
        var batch = await _writeOnly.PostAsync("/fhir", Http.Fhir(bundle));
        var session = await _writeOnly.PostAsync("/stm/sessions", Http.Json(SessionJson.Text("WA-S1", family: "Canaryfamily"), "application/json"));

        foreach (var response in new[] { transaction, batch, session })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("Canaryfamily", body);
            Assert.DoesNotContain("1984-06-17", body);
        }
        using var json = JsonDocument.Parse(await batch.Content.ReadAsStringAsync());
        var entries = json.RootElement.GetProperty("entry").EnumerateArray().ToList();
        Assert.All(entries, e => Assert.False(e.TryGetProperty("resource", out _)));
        Assert.Equal("403 Forbidden", entries[^1].GetProperty("response").GetProperty("status").GetString());
    }
}
