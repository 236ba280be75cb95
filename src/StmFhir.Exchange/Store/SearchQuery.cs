namespace StmFhir.Exchange.Store;

/// <summary>A search of one resource type: every criterion must match (AND); a criterion matches any of its values (OR).</summary>
/// <param name="Type">The resource type.</param>
/// <param name="Criteria">The criteria.</param>
/// <param name="Count">Page size; 0 asks only for the total.</param>
/// <param name="Offset">How many matches to skip.</param>
public sealed record SearchQuery(string Type, IReadOnlyList<SearchCriterion> Criteria, int Count, int Offset)
{
    /// <summary>
    /// The most bytes a page's resources may take (their JSON, and a few hundred bytes per entry for the Bundle around
    /// them): the page ends before the resource that would pass it, so it may hold fewer than <see cref="Count"/>, but it
    /// always holds at least one, so paging always moves on. No limit by default.
    /// </summary>
    public long MaxBytes { get; init; } = long.MaxValue;
}

/// <summary>One search parameter with its alternative values.</summary>
/// <param name="Parameter">The parameter.</param>
/// <param name="Values">The values, any of which may match.</param>
public sealed record SearchCriterion(SearchParameterDefinition Parameter, IReadOnlyList<SearchValue> Values);

/// <summary>A parsed search value.</summary>
public abstract record SearchValue;

/// <summary>A token: <c>system|code</c>, <c>|code</c> (no system), <c>code</c> (any system) or <c>system|</c> (any code).</summary>
/// <param name="System">The system; null matches any, "" matches none given.</param>
/// <param name="Code">The code; null matches any.</param>
public sealed record TokenValue(string? System, string? Code) : SearchValue;

/// <summary>A reference: <c>Type/id</c>, or a bare id of any type.</summary>
/// <param name="Type">The target type, or null for any.</param>
/// <param name="Id">The target id.</param>
public sealed record ReferenceValue(string? Type, string Id) : SearchValue;

/// <summary>A date comparison.</summary>
/// <param name="Prefix">eq, ne, gt, lt, ge, le, sa, eb or ap.</param>
/// <param name="Low">Start of the value's range (Unix ms, inclusive).</param>
/// <param name="High">End of the value's range (Unix ms, inclusive).</param>
public sealed record DateValue(string Prefix, long Low, long High) : SearchValue;

/// <summary>One page of search matches.</summary>
/// <param name="Total">How many resources match in all.</param>
/// <param name="Resources">
/// This page's resources: <see cref="SearchQuery.Count"/> of them, or fewer at the end or where the page reached
/// <see cref="SearchQuery.MaxBytes"/>; the next page starts at the query's offset plus their number.
/// </param>
public sealed record SearchResult(int Total, IReadOnlyList<StoredResource> Resources);
