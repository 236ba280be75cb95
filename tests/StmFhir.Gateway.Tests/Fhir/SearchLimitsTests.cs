using System.Net;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>
/// Searches and histories stay bounded: pages end at <c>Fhir:MaxResponseBytes</c> and link onward from where they
/// stopped, history pages like search, long value lists and offsets get 400 or bounded links, never a 5xx.
/// </summary>
public sealed class SearchLimitsTests : IAsyncLifetime
{
    private const int ResponseLimit = 64 * 1024;
    private const string Mrn = "https://example-hospital.org/mrn";

    private readonly GatewayFactory _factory = new() { Settings = { ["Fhir:MaxResponseBytes"] = ResponseLimit.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
    private HttpClient _client = null!;
    private IResourceStore _store = null!;

    public async Task InitializeAsync()
    {
        _client = _factory.ClientWithKey();
        _store = _factory.Services.GetRequiredService<IResourceStore>();
        // Nine Patients of ~20 KB each (a long name), stored without validation: three fit the response limit.
        for (var i = 0; i < 9; i++)
        {
            await _store.CommitAsync(Put(BigPatient($"big-{i}", new string('x', 20_000))));
        }
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static Patient BigPatient(string id, string family) => new()
    {
        Id = id,
        Identifier = [new Identifier(Mrn, "MRN-" + id)],
        Name = [new HumanName { Family = family }],
    };

    private static ChangeSet Put(Resource resource) => new([new Change(ChangeMethod.Update, resource)], "test");

    private async Task<(Bundle Bundle, int Bytes)> GetBundleAsync(string url)
    {
        var response = await _client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return (Core.Mapping.FhirJson.Deserialize<Bundle>(body), System.Text.Encoding.UTF8.GetByteCount(body));
    }

    [Fact]
    public async Task ASearchOfLargeResources_EndsEachPageAtTheResponseLimit_AndItsNextLinksVisitEveryResourceOnce()
    {
        var seen = new List<string?>();
        var pages = 0;
        for (var url = "/fhir/Patient?_count=10"; ; pages++)
        {
            var (page, bytes) = await GetBundleAsync(url);
            Assert.Equal(9, page.Total);
            Assert.InRange(bytes, 1, ResponseLimit);
            seen.AddRange(page.Entry.Select(e => e.Resource!.Id));
            if (page.NextLink is not { } next)
            {
                break;
            }
            Assert.Contains("_count=10", next.Query, StringComparison.Ordinal);
            url = next.PathAndQuery;
        }

        Assert.Equal(2, pages);
        Assert.Equal(9, seen.Distinct().Count());
        Assert.Equal(9, seen.Count);
    }

    [Fact]
    public async Task ASingleResourceLargerThanTheLimit_IsStillServedAsAPageOfOne()
    {
        await _store.CommitAsync(Put(BigPatient("huge", new string('y', ResponseLimit * 2))));

        var (alone, bytes) = await GetBundleAsync("/fhir/Patient?_id=huge");
        var (before, _) = await GetBundleAsync("/fhir/Patient?_id=big-0,huge");

        Assert.Equal("huge", Assert.Single(alone.Entry).Resource!.Id);
        Assert.True(bytes > ResponseLimit);
        Assert.Equal("big-0", Assert.Single(before.Entry).Resource!.Id);
        Assert.Contains("_offset=1", before.NextLink!.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task History_IsPagedNewestFirst_WithTotalLinksAndSince()
    {
        for (var v = 1; v <= 5; v++)
        {
            await _store.CommitAsync(Put(BigPatient("hist", $"Version{v}")));
            await Task.Delay(10);
        }
        var third = (await _store.ReadVersionAsync("Patient", "hist", 3))!.LastUpdated.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);

        var (first, _) = await GetBundleAsync("/fhir/Patient/hist/_history?_count=2");
        var (second, _) = await GetBundleAsync(first.NextLink!.PathAndQuery);
        var (last, _) = await GetBundleAsync(second.NextLink!.PathAndQuery);
        var (since, _) = await GetBundleAsync($"/fhir/Patient/hist/_history?_since={third}");

        Assert.Equal(Bundle.BundleType.History, first.Type);
        Assert.Equal((5, 5, 5), (first.Total, second.Total, last.Total));
        Assert.Equal(["5", "4", "3", "2", "1"], first.Entry.Concat(second.Entry).Concat(last.Entry).Select(e => e.Resource!.Meta!.VersionId));
        Assert.Null(last.NextLink);
        Assert.Equal(3, since.Total);
        Assert.Equal(["5", "4", "3"], since.Entry.Select(e => e.Resource!.Meta!.VersionId));
    }

    [Fact]
    public async Task AHistoryOfLargeVersions_IsPagedAtTheResponseLimit()
    {
        for (var v = 1; v <= 5; v++)
        {
            await _store.CommitAsync(Put(BigPatient("big-hist", new string((char)('a' + v), 30_000))));
        }

        var (page, bytes) = await GetBundleAsync("/fhir/Patient/big-hist/_history");

        Assert.Equal(5, page.Total);
        Assert.Equal(2, page.Entry.Count);
        Assert.InRange(bytes, 1, ResponseLimit);
        Assert.Contains("_offset=2", page.NextLink!.Query, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/fhir/Patient/big-0/_history?_at=2026", "_at")]
    [InlineData("/fhir/Patient/big-0/_history?_since=yesterday", "_since")]
    [InlineData("/fhir/Patient/big-0/_history?_offset=-1", "_offset")]
    public async Task HistoryWithABadParameter_Is400NamingIt(string url, string parameter)
    {
        var outcome = await (await _client.GetAsync(url)).AssertOutcomeAsync(HttpStatusCode.BadRequest);

        Assert.Contains(parameter, outcome.Diagnostics(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HistoryOfAnUnknownResource_Is404()
    {
        await (await _client.GetAsync("/fhir/Patient/nobody/_history")).AssertOutcomeAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AnIdListLongerThanTheLimit_Is400NamingTheParameterAndTheLimit_AndOneAtTheLimitIs200()
    {
        var ids = Enumerable.Range(0, 101).Select(i => $"big-{i}").ToList();

        var outcome = await (await _client.GetAsync("/fhir/Patient?_id=" + string.Join(',', ids))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
        var (atLimit, _) = await GetBundleAsync("/fhir/Patient?_count=0&_id=" + string.Join(',', ids.Take(100)));

        Assert.StartsWith("_id:", outcome.Diagnostics(), StringComparison.Ordinal);
        Assert.Contains("100", outcome.Diagnostics(), StringComparison.Ordinal);
        Assert.Equal(9, atLimit.Total);
    }

    [Fact]
    public async Task MoreSearchParametersThanTheLimit_Is400NamingTheParameter()
    {
        var query = string.Join('&', Enumerable.Repeat("_lastUpdated=ge2020-01-01", 11));

        var outcome = await (await _client.GetAsync("/fhir/Patient?" + query)).AssertOutcomeAsync(HttpStatusCode.BadRequest);

        Assert.StartsWith("_lastUpdated:", outcome.Diagnostics(), StringComparison.Ordinal);
        Assert.Contains("10", outcome.Diagnostics(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnOffsetAtIntMaxValue_Is200WithNoNegativeOffsetInAnyLink_AndOnePastItIs400()
    {
        var response = await _client.GetAsync("/fhir/Patient?_count=200&_offset=2147483647");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("_offset=-", body, StringComparison.Ordinal);
        Assert.Null(Core.Mapping.FhirJson.Deserialize<Bundle>(body).NextLink);
        await (await _client.GetAsync("/fhir/Patient?_offset=2147483648")).AssertOutcomeAsync(HttpStatusCode.BadRequest);
    }
}
