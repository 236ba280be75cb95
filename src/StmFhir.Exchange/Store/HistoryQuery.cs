namespace StmFhir.Exchange.Store;

/// <summary>A page of one resource's versions, newest first.</summary>
/// <param name="Type">The resource type.</param>
/// <param name="Id">The resource id.</param>
/// <param name="Count">Page size; 0 asks only for the total.</param>
/// <param name="Offset">How many versions (of those since <see cref="Since"/>) to skip.</param>
public sealed record HistoryQuery(string Type, string Id, int Count, int Offset)
{
    /// <summary>Only versions written at or after this instant (Unix ms), or all when null (<c>_since</c>).</summary>
    public long? Since { get; init; }

    /// <summary>The most bytes a page's versions may take; as <see cref="SearchQuery.MaxBytes"/>.</summary>
    public long MaxBytes { get; init; } = long.MaxValue;
}

/// <summary>A page of the history of whole types (<c>GET [type]/_history</c>, <c>GET /_history</c>).</summary>
/// <param name="Types">The types whose versions are listed.</param>
/// <param name="Count">Page size; 0 asks only for the total.</param>
/// <param name="Offset">How many versions to skip.</param>
public sealed record ChangesQuery(IReadOnlyList<string> Types, int Count, int Offset)
{
    /// <summary>Only versions written at or after this instant (Unix ms), or all when null (<c>_since</c>).</summary>
    public long? Since { get; init; }

    /// <summary>The most bytes a page's versions may take; as <see cref="SearchQuery.MaxBytes"/>.</summary>
    public long MaxBytes { get; init; } = long.MaxValue;
}

/// <summary>One page of a resource's history.</summary>
/// <param name="Exists">Whether the resource has any version at all (a <c>_since</c> may still leave none).</param>
/// <param name="Total">How many versions match in all (since <see cref="HistoryQuery.Since"/>).</param>
/// <param name="Versions">This page's versions, newest first; the next page starts at the offset plus their number.</param>
public sealed record HistoryResult(bool Exists, int Total, IReadOnlyList<StoredResource> Versions);

/// <summary>The outcome of parsing a history's parameters: the query, or every problem found.</summary>
/// <param name="Query">The query, when there were no problems.</param>
/// <param name="Problems">One message per problem; empty on success.</param>
public sealed record HistoryParseResult(HistoryQuery? Query, IReadOnlyList<string> Problems);

/// <summary>
/// Reads <c>_count</c>, <c>_offset</c> and <c>_since</c> of <c>GET [type]/[id]/_history</c>, paged as a search is
/// (<see cref="SearchLimits"/>); <c>_format</c> and <c>_pretty</c> are ignored, anything else is a problem.
/// </summary>
public static class HistoryQueryParser
{
    /// <summary>Parses the parameters of the history of <paramref name="type"/>/<paramref name="id"/>.</summary>
    public static HistoryParseResult Parse(string type, string id, IEnumerable<KeyValuePair<string, string>> parameters, SearchLimits limits)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(limits);
        var problems = new List<string>();
        var paging = new PagingParameters(limits);
        long? since = null;
        foreach (var (name, value) in parameters)
        {
            if (paging.TryRead(name, value, problems) || name is "_format" or "_pretty")
            {
                continue;
            }
            if (name == "_since")
            {
                if (FhirDates.Range(value) is { } range)
                {
                    since = range.Low;
                }
                else
                {
                    problems.Add($"_since: '{SearchQueryParser.Shorten(value)}' is not a FHIR instant, e.g. 2026-03-02T09:30:00Z");
                }
                continue;
            }
            problems.Add($"Unknown parameter for _history: {SearchQueryParser.Shorten(name)}. Supported: _count, _offset, _since, _format, _pretty");
        }
        return problems.Count > 0
            ? new HistoryParseResult(null, problems)
            : new HistoryParseResult(new HistoryQuery(type, id, paging.Count, paging.Offset) { Since = since }, []);
    }
}
