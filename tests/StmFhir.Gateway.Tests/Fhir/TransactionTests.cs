using System.Net;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary><c>POST /fhir</c>: transactions are all or nothing; batch entries stand alone.</summary>
public sealed class TransactionTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new();
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _factory.ClientWithKey();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static Bundle SessionBundle(string sessionId) => StmBundleMapper.ToBundle(StmSessionReader.Read(SessionJson.Text(sessionId)).Session!);

    private async Task<int> CountAsync(string type) => (await (await _client.GetAsync($"/fhir/{type}?_count=0")).ReadFhirAsync<Bundle>()).Total ?? -1;

    [Fact]
    public async Task Transaction_IsStoredAndAnsweredEntryByEntry()
    {
        var response = await _client.PostAsync("/fhir", Http.Fhir(SessionBundle("T-1")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bundle = await response.ReadFhirAsync<Bundle>();
        Assert.Equal(Bundle.BundleType.TransactionResponse, bundle.Type);
        Assert.All(bundle.Entry, e => Assert.Equal("201 Created", e.Response!.Status));
        Assert.All(bundle.Entry, e => Assert.EndsWith("/_history/1", e.Response!.Location));
        Assert.Equal(1, await CountAsync("Procedure"));

        var again = await (await _client.PostAsync("/fhir", Http.Fhir(SessionBundle("T-1")))).ReadFhirAsync<Bundle>();
        Assert.All(again.Entry, e => Assert.Equal("200 OK", e.Response!.Status));
    }

    [Fact]
    public async Task Transaction_WithOneFailingEntry_StoresNothing()
    {
        var bundle = SessionBundle("T-2");
        bundle.Entry[^1].Request!.IfMatch = "W/\"7\"";

        var response = await _client.PostAsync("/fhir", Http.Fhir(bundle));

        await response.AssertOutcomeAsync(HttpStatusCode.PreconditionFailed);
        Assert.Equal(0, await CountAsync("Procedure"));
        Assert.Equal(0, await CountAsync("Patient"));
    }

    [Fact]
    public async Task Transaction_WithAnUnsupportedEntry_Is400AndStoresNothing()
    {
        var bundle = SessionBundle("T-3");
        bundle.Entry[3].Request!.Method = Bundle.HTTPVerb.DELETE;

        await (await _client.PostAsync("/fhir", Http.Fhir(bundle))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
        Assert.Equal(0, await CountAsync("Procedure"));
    }

    [Fact]
    public async Task Batch_EntriesSucceedOrFailOnTheirOwn()
    {
        var good = new Patient { Id = "b1", Identifier = [new Identifier("https://example-hospital.org/mrn", "B-1")] };
        var batch = new Bundle
        {
            Type = Bundle.BundleType.Batch,
            Entry =
            [
                new Bundle.EntryComponent { Resource = good, Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = "Patient/b1" } },
                new Bundle.EntryComponent { Resource = new Patient { Id = "b2" }, Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = "Patient/b2", IfMatch = "W/\"4\"" } },
                new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.GET, Url = "Patient/b1" } },
                new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.GET, Url = "Patient?identifier=B-1" } },
                new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.GET, Url = "Patient/missing" } },
            ],
        };

        var response = await _client.PostAsync("/fhir", Http.Fhir(batch));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadFhirAsync<Bundle>();
        Assert.Equal(Bundle.BundleType.BatchResponse, result.Type);
        Assert.Equal(["201 Created", "412 Precondition Failed", "200 OK", "200 OK", "404 Not Found"], result.Entry.Select(e => e.Response!.Status));
        Assert.IsType<Patient>(result.Entry[2].Resource);
        Assert.Equal(1, ((Bundle)result.Entry[3].Resource!).Total);
        Assert.IsType<OperationOutcome>(result.Entry[1].Response!.Outcome);
    }

    [Fact]
    public async Task PostingANonBundle_Is400()
    {
        await (await _client.PostAsync("/fhir", Http.Fhir(new Patient()))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
        await (await _client.PostAsync("/fhir", Http.Fhir(new Bundle { Type = Bundle.BundleType.Collection }))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
    }
}
