using System.Net;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>
/// A batch or transaction has at most <c>Fhir:MaxBundleEntries</c> entries, and a batch's answer at most
/// <c>Fhir:MaxResponseBytes</c> (plus one resource and the small refusals of the GETs it did not run).
/// </summary>
public sealed class BatchLimitsTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new();
    private HttpClient _client = null!;
    private IResourceStore _store = null!;

    public Task InitializeAsync()
    {
        _client = _factory.ClientWithKey();
        _store = _factory.Services.GetRequiredService<IResourceStore>();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static Bundle.EntryComponent Get(string url) => new() { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.GET, Url = url } };

    private static Bundle.EntryComponent PutPatient(string id) => new()
    {
        Resource = new Patient { Id = id, Identifier = [new Identifier("https://example-hospital.org/mrn", "MRN-" + id)] },
        Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"Patient/{id}" },
    };

    [Theory]
    [InlineData(Bundle.BundleType.Batch)]
    [InlineData(Bundle.BundleType.Transaction)]
    public async Task ABundleOverTheEntryLimit_Is413BeforeAnyEntryRuns(Bundle.BundleType type)
    {
        var bundle = new Bundle { Type = type, Entry = [PutPatient("too-many"), .. Enumerable.Range(0, 500).Select(i => PutPatient($"p-{i}"))] };

        var outcome = await (await _client.PostAsync("/fhir", Http.Fhir(bundle))).AssertOutcomeAsync(HttpStatusCode.RequestEntityTooLarge);

        Assert.Contains("500", outcome.Diagnostics(), StringComparison.Ordinal);
        Assert.Contains("Fhir:MaxBundleEntries", outcome.Diagnostics(), StringComparison.Ordinal);
        Assert.Equal("Bundle.entry", Assert.Single(outcome.Issue).Expression.Single());
        Assert.Null(await _store.ReadAsync("Patient", "too-many"));
    }

    [Fact]
    public async Task ABatchOfFiveHundredFullPageSearches_IsAnsweredWithinTheResponseLimit_AndTheGetsPastItAre413()
    {
        // 300 Observations of ~2 KB: a full page of 200 is ~0.5 MB, so 500 of them would be ~250 MB unbounded.
        for (var i = 0; i < 300; i += 50)
        {
            await _store.CommitAsync(new ChangeSet([.. Enumerable.Range(i, 50).Select(n => new Change(ChangeMethod.Update, new Observation
            {
                Id = $"o-{n}", Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "72514-3"),
                Note = [new Annotation { Text = new string('n', 2_000) }],
            }))], "test"));
        }
        var batch = new Bundle { Type = Bundle.BundleType.Batch, Entry = [.. Enumerable.Range(0, 500).Select(_ => Get("Observation?_count=200"))] };

        var response = await _client.PostAsync("/fhir", Http.Fhir(batch));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = StmFhir.Core.Mapping.FhirJson.Deserialize<Bundle>(body);
        Assert.Equal(500, answer.Entry.Count);
        var ran = answer.Entry.TakeWhile(e => e.Response!.Status == "200 OK").ToList();
        Assert.InRange(ran.Count, 2, 499);
        Assert.All(answer.Entry.Skip(ran.Count), e =>
        {
            Assert.StartsWith("413", e.Response!.Status, StringComparison.Ordinal);
            Assert.Equal(OperationOutcome.IssueType.TooCostly, Assert.IsType<OperationOutcome>(e.Response.Outcome).Issue[0].Code);
        });
        // Every page that ran was cut short of 200 with a link onward, or held the rest of the budget.
        var first = Assert.IsType<Bundle>(ran[0].Resource);
        Assert.Equal(300, first.Total);
        Assert.Contains("_offset=", first.NextLink!.Query, StringComparison.Ordinal);
        const long limit = 4 * 1024 * 1024;
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(body), limit / 2, limit + 4 * 1024 + 500 * 1024);
    }

    [Fact]
    public async Task ABatchWhoseGetsFitTheLimit_RunsThemAll()
    {
        await _store.CommitAsync(new ChangeSet([new Change(ChangeMethod.Update, PutPatient("small").Resource!)], "test"));
        var batch = new Bundle { Type = Bundle.BundleType.Batch, Entry = [.. Enumerable.Range(0, 100).Select(_ => Get("Patient?_id=small")), Get("Patient/small")] };

        var answer = await (await _client.PostAsync("/fhir", Http.Fhir(batch))).ReadFhirAsync<Bundle>();

        Assert.All(answer.Entry, e => Assert.Equal("200 OK", e.Response!.Status));
        Assert.All(answer.Entry.Take(100), e => Assert.Equal(1, Assert.IsType<Bundle>(e.Resource).Total));
    }
}
