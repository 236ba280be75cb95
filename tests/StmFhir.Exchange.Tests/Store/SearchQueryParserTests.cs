using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Tests.Store;

/// <summary>Dates at the calendar's ends, value limits and paging bounds of searches and histories, without a database.</summary>
public sealed class SearchQueryParserTests
{
    private static readonly SearchLimits s_limits = new(20, 200, 100, 10);

    private static SearchParseResult Parse(string type, params (string Name, string Value)[] parameters) =>
        SearchQueryParser.Parse(type, parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)), s_limits);

    [Theory]
    [InlineData("0001-01-01T00:00:00+14:00", -62135647200000L, -62135647200000L + 999)]
    [InlineData("9999-12-31T23:59:59-14:00", 253402351199000L, 253402351199000L + 999)]
    [InlineData("0001", -62135596800000L, -62104060800001L)]
    [InlineData("9999", 253370764800000L, 253402300799999L)]
    [InlineData("9999-12-31", 253402214400000L, 253402300799999L)]
    [InlineData("2016-12-31T23:59:60Z", 1483228799999L, 1483228799999L)]
    [InlineData("2024-03-05T10:00:00.123456789+01:00", 1709629200123L, 1709629200123L)]
    [InlineData("2024-03-05T10:00+01:00", 1709629200000L, 1709629259999L)]
    public void FhirDates_CoverTheWholeCalendarWithoutOverflow(string value, long low, long high)
    {
        Assert.Equal((low, high), FhirDates.Range(value));
    }

    [Theory]
    [InlineData("0000")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("2024-02-30")]
    [InlineData("2024-01-01T24:00:00Z")]
    [InlineData("2024-01-01T00:00:61Z")]
    [InlineData("2024-01-01T00:00:00+14:01")]
    [InlineData("2024-01-01T00:00:00+15:00")]
    [InlineData("2024-01-01T00:00:00-99:99")]
    [InlineData("yesterday")]
    public void FhirDates_RefuseWhatIsNotAFhirDate(string value)
    {
        Assert.Null(FhirDates.Range(value));
    }

    [Theory]
    [InlineData("_lastUpdated", "0000")]
    [InlineData("_lastUpdated", "ge0000-12-31T23:59:59Z")]
    [InlineData("date", "ge2026-03-02T09:30:00+15:00")]
    public void ASearchDateOutsideFhirsRange_IsAProblemNamingTheParameter(string name, string value)
    {
        var parsed = Parse("Procedure", (name, value));

        Assert.Null(parsed.Query);
        Assert.StartsWith(name + ":", Assert.Single(parsed.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void ASearchDateAtTheCalendarsEdge_IsAValue()
    {
        var parsed = Parse("Procedure", ("date", "ge0001-01-01T00:00:00+14:00"), ("_lastUpdated", "le9999-12-31T23:59:59-14:00"));

        Assert.NotNull(parsed.Query);
    }

    [Fact]
    public void MoreValuesOrParametersThanTheLimits_IsAProblemNamingTheParameterWhereItPassedAndTheLimit()
    {
        var ids = string.Join(',', Enumerable.Range(0, 60).Select(i => $"id-{i}"));

        var atLimit = Parse("Patient", ("_id", ids), ("identifier", string.Join(',', Enumerable.Range(0, 40).Select(i => $"s|{i}"))));
        var past = Parse("Patient", ("_id", ids), ("identifier", string.Join(',', Enumerable.Range(0, 41).Select(i => $"s|{i}"))));
        var repeated = Parse("Procedure", [.. Enumerable.Repeat(("date", "ge2026-01-01"), 11)]);
        var huge = Parse("Patient", ("_id", string.Join(',', Enumerable.Range(0, 100_000).Select(i => $"{i}"))));

        Assert.NotNull(atLimit.Query);
        Assert.Equal("identifier: a search takes at most 100 values in all (comma-separated or repeated parameters); this one has more", Assert.Single(past.Problems));
        Assert.Equal("date: a search takes at most 10 search parameters (a repeated one counts each time); this one has more", Assert.Single(repeated.Problems));
        Assert.StartsWith("_id: ", Assert.Single(huge.Problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("_offset", "2147483648")]
    [InlineData("_offset", "-1")]
    [InlineData("_count", "99999999999")]
    public void PagingOutsideAnInt_IsAProblem(string name, string value)
    {
        var parsed = Parse("Patient", (name, value));

        Assert.Equal($"{name}: must be a whole number from 0 to 2147483647", Assert.Single(parsed.Problems));
    }

    [Fact]
    public void AnOffsetOfIntMaxValue_IsAccepted()
    {
        Assert.Equal(int.MaxValue, Parse("Patient", ("_offset", "2147483647")).Query!.Offset);
    }

    [Fact]
    public void History_ReadsCountOffsetAndSince_AndRefusesAnythingElse()
    {
        var parsed = HistoryQueryParser.Parse("Patient", "p", [KeyValuePair.Create("_count", "500"), KeyValuePair.Create("_offset", "3"),
            KeyValuePair.Create("_since", "2026-03-02T09:30:00+01:00"), KeyValuePair.Create("_format", "json")], s_limits);
        var bad = HistoryQueryParser.Parse("Patient", "p", [KeyValuePair.Create("_since", "0000"), KeyValuePair.Create("_at", "2026")], s_limits);
        var defaults = HistoryQueryParser.Parse("Patient", "p", [], s_limits);

        Assert.Equal(new HistoryQuery("Patient", "p", 200, 3) { Since = 1772440200000 }, parsed.Query);
        Assert.Equal(2, bad.Problems.Count);
        Assert.StartsWith("_since:", bad.Problems[0], StringComparison.Ordinal);
        Assert.Contains("_at", bad.Problems[1], StringComparison.Ordinal);
        Assert.Equal(20, defaults.Query!.Count);
    }
}
