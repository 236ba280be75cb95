using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Exchange.Store;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Store;

/// <summary>Hostile sizes and values: dates at the calendar's ends, long OR lists, pages bounded in bytes, paged history.</summary>
public abstract partial class ResourceStoreBehaviour
{
    private static Observation PainScore(string id, DataType effective) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Code = new CodeableConcept("http://loinc.org", "72514-3"),
        Effective = effective,
    };

    [Theory]
    [InlineData("0001-01-01T00:00:00+14:00", "date=le0001-01-01")]
    [InlineData("0001-01-01T00:00:00.5+14:00", "date=lt0001-01-01T00:00:00Z")]
    [InlineData("0001", "date=0001")]
    [InlineData("9999-12-31T23:59:59-14:00", "date=ge9999-12-31")]
    [InlineData("9999-12-31T23:59:59.9999999-14:00", "date=gt9999-12-31T23:59:59Z")]
    [InlineData("9999", "date=9999")]
    [InlineData("9999-12", "date=ge9999-12-31T23:00:00%2B14:00")]
    [InlineData("2016-12-31T23:59:60Z", "date=2016-12-31")]
    public async Task AnObservationAtTheCalendarsEnds_IsStoredWithItsExactDate_AndFoundByIt(string effective, string query)
    {
        await Store.CommitAsync(Put(PainScore("edge", new FhirDateTime(effective))));

        // Read as plain JSON: Firely's own parser refuses these values (a DateTimeOffset cannot hold them), FHIR allows them.
        using var stored = System.Text.Json.JsonDocument.Parse((await Store.ReadAsync("Observation", "edge"))!.Json);
        Assert.Equal(effective, stored.RootElement.GetProperty("effectiveDateTime").GetString());
        Assert.Equal(1, (await SearchAsync("Observation", query)).Total);
        Assert.Equal(1, (await SearchAsync("Observation", $"date={Uri.EscapeDataString(effective)}")).Total);
    }

    [Fact]
    public async Task APeriodFromTheFirstToTheLastInstantOfTheCalendar_IsIndexedAndFoundByAnyDayInIt()
    {
        var period = new Period { Start = "0001-01-01T00:00:00+14:00", End = "9999-12-31T23:59:59-14:00" };
        var created = await Store.CommitAsync(TransactionBundles.ToChangeSet(new Bundle
        {
            Type = Bundle.BundleType.Transaction,
            Entry = [new Bundle.EntryComponent
            {
                Resource = PainScore("span", period),
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = "Observation/span" },
            }],
        }, "fhir-transaction"));

        Assert.Equal(ChangeOutcome.Created, Assert.Single(created.Entries).Outcome);
        Assert.Equal(1, (await SearchAsync("Observation", "date=ap2026-03-02")).Total);
        Assert.Equal(1, (await SearchAsync("Observation", "date=ge0001-01-01T00:00:00%2B14:00")).Total);
        Assert.Equal(0, (await SearchAsync("Observation", "date=sa9999-12-31")).Total);
    }

    [Fact]
    public async Task ASearchWithAThousandIds_RunsAsOneInList()
    {
        await Store.CommitAsync(Put(WithId(NewPatient("IDS-1"), "ids-1"), WithId(NewPatient("IDS-2"), "ids-2")));
        var ids = Enumerable.Range(0, 998).Select(i => $"none-{i}").Append("ids-1").Prepend("ids-2");

        var found = await SearchAsync("Patient", "_id=" + string.Join(',', ids), maxValues: 1000);

        Assert.Equal(2, found.Total);
    }

    [Fact]
    public async Task ASearchWithAThousandTokenAlternativesOrFiftyRepeatedDates_DoesNotOverflowTheExpressionTree()
    {
        await Store.CommitAsync(Put(WithId(NewPatient("TOK-999"), "tok")));
        await Store.CommitAsync(Put(PainScore("dated", new FhirDateTime("2026-03-02T09:30:00+01:00"))));

        var tokens = await SearchAsync("Patient", "identifier=" + string.Join(',', Enumerable.Range(0, 1000).Select(i => $"{Mrn}|TOK-{i}")), maxValues: 1000);
        var dates = await SearchAsync("Observation", string.Join('&', Enumerable.Repeat("date=ge2026-03-01", 50)), maxParameters: 50);

        Assert.Equal(1, tokens.Total);
        Assert.Equal(1, dates.Total);
    }

    [Fact]
    public async Task AQueryBuiltPastTheParsersLimits_StillRuns()
    {
        await Store.CommitAsync(Put(WithId(NewPatient("WIDE"), "wide")));
        var identifier = SearchParameterCatalog.Find("Patient", "identifier")!;
        var id = SearchParameterCatalog.Find("Patient", "_id")!;
        // Far more alternatives and ANDs than SQLite's expression depth of 1,000 would take as chains.
        var alternatives = Enumerable.Range(0, 5000).Select(i => (SearchValue)new TokenValue(Mrn, i == 4321 ? "WIDE" : $"W-{i}")).ToList();
        List<SearchCriterion> criteria = [new(identifier, alternatives), .. Enumerable.Range(0, 2000).Select(_ => new SearchCriterion(id, [new TokenValue(null, "wide")]))];

        var found = await Store.SearchAsync(new SearchQuery("Patient", criteria, 10, 0));

        Assert.Equal("wide", Assert.Single(found.Resources).Id);
    }

    [Fact]
    public async Task ATransactionOfSixHundredConditionalCreates_LooksTheirIdentifiersUp()
    {
        static ChangeSet Bulk() => new([.. Enumerable.Range(0, 600).Select(i =>
            new Change(ChangeMethod.Create, NewPatient($"BULK-{i}")) { IfNoneExist = $"identifier={Mrn}|BULK-{i}" })], "test");

        var first = await Store.CommitAsync(Bulk());
        var second = await Store.CommitAsync(Bulk());

        Assert.All(first.Entries, e => Assert.Equal(ChangeOutcome.Created, e.Outcome));
        Assert.All(second.Entries, e => Assert.Equal(ChangeOutcome.Matched, e.Outcome));
    }

    [Fact]
    public async Task ASearchPageWithAByteBudget_EndsBeforeTheResourceThatWouldPassIt_AlwaysHoldsOne_AndResumesWhereItStopped()
    {
        for (var i = 0; i < 7; i++)
        {
            await Store.CommitAsync(Put(WithId(NewPatient($"BIG-{i}", family: new string('x', 20_000)), $"big-{i}")));
        }
        var size = (await Store.ReadAsync("Patient", "big-0"))!.Json.Length + PagedReads.EntryOverhead;

        var cut = await Store.SearchAsync(new SearchQuery("Patient", [], 5, 0) { MaxBytes = size * 5 / 2 });
        var single = await Store.SearchAsync(new SearchQuery("Patient", [], 5, 0) { MaxBytes = 1 });
        var seen = new List<string>();
        for (var offset = 0; offset < 7;)
        {
            var page = await Store.SearchAsync(new SearchQuery("Patient", [], 5, offset) { MaxBytes = size * 3 });
            Assert.Equal(7, page.Total);
            seen.AddRange(page.Resources.Select(r => r.Id));
            offset += page.Resources.Count;
        }

        Assert.Equal(2, cut.Resources.Count);
        Assert.Single(single.Resources);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"big-{i}").Order(), seen.Order());
        Assert.Equal(7, seen.Distinct().Count());
    }

    [Fact]
    public async Task History_IsPagedNewestFirst_WithItsTotal_Since_AndAByteBudget()
    {
        for (var v = 1; v <= 5; v++)
        {
            await Store.CommitAsync(Put(WithId(NewPatient("HIST", family: $"V{v}"), "hist")));
            await Task.Delay(10);
        }
        var third = (await Store.ReadVersionAsync("Patient", "hist", 3))!.LastUpdated.ToUnixTimeMilliseconds();

        var first = await Store.HistoryAsync(new HistoryQuery("Patient", "hist", 2, 0));
        var last = await Store.HistoryAsync(new HistoryQuery("Patient", "hist", 2, 4));
        var since = await Store.HistoryAsync(new HistoryQuery("Patient", "hist", 10, 0) { Since = third });
        var budget = await Store.HistoryAsync(new HistoryQuery("Patient", "hist", 10, 1) { MaxBytes = 1 });
        var countOnly = await Store.HistoryAsync(new HistoryQuery("Patient", "hist", 0, 0));
        var afterAll = await Store.HistoryAsync(new HistoryQuery("Patient", "hist", 10, 0) { Since = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds() });
        var unknown = await Store.HistoryAsync(new HistoryQuery("Patient", "nobody", 10, 0));

        Assert.Equal((true, 5), (first.Exists, first.Total));
        Assert.Equal([5, 4], first.Versions.Select(v => v.Version));
        Assert.Equal([1], last.Versions.Select(v => v.Version));
        Assert.Equal(3, since.Total);
        Assert.Equal([5, 4, 3], since.Versions.Select(v => v.Version));
        Assert.Equal([4], budget.Versions.Select(v => v.Version));
        Assert.Equal((5, 0), (countOnly.Total, countOnly.Versions.Count));
        Assert.Equal((true, 0), (afterAll.Exists, afterAll.Total));
        Assert.Equal((false, 0), (unknown.Exists, unknown.Total));
    }
}
