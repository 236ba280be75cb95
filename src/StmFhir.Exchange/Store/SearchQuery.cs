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

    /// <summary>The order of the matches (<c>_sort</c>), first key first; empty for oldest change first.</summary>
    public IReadOnlyList<SortKey> Sort { get; init; } = [];

    /// <summary>The resources to add to a page beside its matches (<c>_include</c>, <c>_revinclude</c>).</summary>
    public IReadOnlyList<IncludeSpec> Includes { get; init; } = [];
}

/// <summary>One search parameter with its alternative values.</summary>
/// <param name="Parameter">The parameter.</param>
/// <param name="Values">The values, any of which may match.</param>
public sealed record SearchCriterion(SearchParameterDefinition Parameter, IReadOnlyList<SearchValue> Values)
{
    /// <summary><c>:not</c> (no value of the parameter matches) or <c>:missing</c>; none by default.</summary>
    public SearchModifier Modifier { get; init; }

    /// <summary>A chained parameter (<c>patient.identifier</c>): the values apply to it on the referenced resources.</summary>
    public ChainedParameter? Chain { get; init; }
}

/// <summary>The search modifiers the store applies.</summary>
public enum SearchModifier
{
    /// <summary>No modifier.</summary>
    None,

    /// <summary><c>:not</c> on a token: the resource has no value that matches (or none at all).</summary>
    Not,

    /// <summary><c>:missing</c>: the value is one <see cref="MissingValue"/>.</summary>
    Missing,
}

/// <summary>The parameter at the end of a chain, on the resource type the reference points to.</summary>
/// <param name="TargetType">The referenced type, e.g. <c>Patient</c>.</param>
/// <param name="Parameter">Its parameter the values apply to, e.g. <c>identifier</c>.</param>
public sealed record ChainedParameter(string TargetType, SearchParameterDefinition Parameter);

/// <summary>One key of <c>_sort</c>.</summary>
/// <param name="Parameter">The parameter sorted by (a date or token parameter, <c>_id</c> or <c>_lastUpdated</c>).</param>
/// <param name="Descending">True for <c>-name</c>.</param>
public sealed record SortKey(SearchParameterDefinition Parameter, bool Descending);

/// <summary>An <c>_include</c> or <c>_revinclude</c>.</summary>
/// <param name="Reverse">True for <c>_revinclude</c>: resources of <paramref name="SourceType"/> that refer to the page's.</param>
/// <param name="SourceType">The type whose reference parameter is followed.</param>
/// <param name="Parameter">The reference parameter, e.g. <c>part-of</c>.</param>
/// <param name="TargetType">Only references to this type, or null for any.</param>
/// <param name="Iterate">True for <c>:iterate</c>: also applied, once, to what the other includes added.</param>
public sealed record IncludeSpec(bool Reverse, string SourceType, string Parameter, string? TargetType, bool Iterate);

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

/// <summary>The value of <c>:missing</c>.</summary>
/// <param name="Missing">True: the resource has no value of the parameter; false: it has one.</param>
public sealed record MissingValue(bool Missing) : SearchValue;

/// <summary>One page of search matches.</summary>
/// <param name="Total">How many resources match in all.</param>
/// <param name="Resources">
/// This page's resources: <see cref="SearchQuery.Count"/> of them, or fewer at the end or where the page reached
/// <see cref="SearchQuery.MaxBytes"/>; the next page starts at the query's offset plus their number.
/// </param>
public sealed record SearchResult(int Total, IReadOnlyList<StoredResource> Resources)
{
    /// <summary>The resources the query's includes added (not matches, not counted in the total), each once.</summary>
    public IReadOnlyList<StoredResource> Included { get; init; } = [];
}
