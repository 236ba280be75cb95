namespace StmFhir.Exchange.Store;

/// <summary>Limits of searches and history pages.</summary>
/// <param name="DefaultCount">Page size when <c>_count</c> is absent.</param>
/// <param name="MaxCount">Largest page size served; a larger <c>_count</c> is lowered to it.</param>
/// <param name="MaxValues">
/// Most values a search may hold in all (each comma-separated alternative and each repeated parameter counts one); a
/// search with more is refused, naming the parameter where it passed the limit.
/// </param>
/// <param name="MaxParameters">
/// Most search parameters (criteria, a repeated one counting each time; not <c>_count</c> and the like) a search may
/// have. Each is a join the database plans and runs over every resource it matches, so their number, unlike that of a
/// parameter's alternatives, multiplies the cost: PostgreSQL took 1 s to plan 100 of them.
/// </param>
public sealed record SearchLimits(int DefaultCount, int MaxCount, int MaxValues, int MaxParameters);

/// <summary>The outcome of parsing a search: the query, or every problem found (unknown parameters, bad values).</summary>
/// <param name="Query">The query, when there were no problems.</param>
/// <param name="Problems">One message per problem; empty on success.</param>
public sealed record SearchParseResult(SearchQuery? Query, IReadOnlyList<string> Problems)
{
    /// <summary>Parameters left out under lenient handling: unknown ones, or ones with an unsupported modifier or chain.</summary>
    public IReadOnlyList<string> Ignored { get; init; } = [];
}

/// <summary>Turns URL query parameters into a <see cref="SearchQuery"/>, refusing anything it would otherwise ignore.</summary>
public static class SearchQueryParser
{
    private static readonly string[] s_datePrefixes = ["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"];

    /// <summary>
    /// Parses the parameters of a search of <paramref name="type"/>; every unknown parameter, or one with an unsupported
    /// modifier or chain, is a problem, unless <paramref name="lenient"/> (<c>Prefer: handling=lenient</c>), when it is
    /// left out (and listed in <see cref="SearchParseResult.Ignored"/>).
    /// </summary>
    public static SearchParseResult Parse(string type, IEnumerable<KeyValuePair<string, string>> parameters, SearchLimits limits, bool lenient = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(limits);
        var problems = new List<string>();
        var criteria = new List<SearchCriterion>();
        var paging = new PagingParameters(limits);
        var unknown = new List<string>();
        var ignored = new List<string>();
        var sort = new List<SortKey>();
        var includes = new List<IncludeSpec>();
        var values = 0;
        foreach (var (name, value) in parameters)
        {
            if (paging.TryRead(name, value, problems) || SearchParameterCatalog.Control.Contains(name)
                || SearchControlParser.TryRead(type, name, value, sort, includes, problems))
            {
                continue;
            }
            if (SearchControlParser.Name(type, name, out var unsupported) is not { } parsedName)
            {
                if (lenient)
                {
                    ignored.Add(name);
                }
                else if (unsupported is not null)
                {
                    problems.Add(unsupported);
                }
                else
                {
                    unknown.Add(name);
                }
                continue;
            }
            if (criteria.Count == limits.MaxParameters)
            {
                problems.Add($"{name}: a search takes at most {limits.MaxParameters} search parameters (a repeated one counts each time); this one has more");
                break;
            }
            // Counted before the value is split, so an overlong list costs no more than its length to refuse.
            values += value.AsSpan().Count(',') + 1;
            if (values > limits.MaxValues)
            {
                problems.Add($"{name}: a search takes at most {limits.MaxValues} values in all (comma-separated or repeated parameters); this one has more");
                break;
            }
            criteria.Add(Criterion(name, parsedName, value, problems));
        }
        if (unknown.Count > 0)
        {
            var known = string.Join(", ", SearchParameterCatalog.Common.Concat(SearchParameterCatalog.For(type)).Select(p => p.Name)
                .Concat(SearchParameterCatalog.Control).Concat(["_sort", "_include", "_revinclude"]));
            problems.Insert(0, $"Unknown search parameter(s) for {type}: {string.Join(", ", unknown.Distinct())}. Supported: {known}");
        }
        return problems.Count > 0
            ? new SearchParseResult(null, problems)
            : new SearchParseResult(new SearchQuery(type, criteria, paging.Count, paging.Offset) { Sort = sort, Includes = includes }, []) { Ignored = ignored };
    }

    private static SearchCriterion Criterion(string name, ParsedName parsed, string value, List<string> problems)
    {
        if (parsed.Modifier == SearchModifier.Missing)
        {
            if (value is not ("true" or "false"))
            {
                problems.Add($"{name}: must be true or false");
            }
            return new SearchCriterion(parsed.Parameter, [new MissingValue(value == "true")]) { Modifier = SearchModifier.Missing };
        }
        if (parsed.Chain is { } chain)
        {
            return new SearchCriterion(parsed.Parameter, ParseValues(name, chain.Parameter, value, problems)) { Chain = chain };
        }
        var values = ParseValues(name, parsed.Parameter, value, problems);
        if (parsed.TypeModifier is { } type)
        {
            // subject:Patient=123 is subject=Patient/123; a value naming another type matches nothing.
            values = [.. values.Select(v => v is ReferenceValue r && (r.Type ?? type) == type ? r with { Type = type } : new ReferenceValue("-", "-"))];
        }
        return new SearchCriterion(parsed.Parameter, values) { Modifier = parsed.Modifier };
    }

    private static List<SearchValue> ParseValues(string name, SearchParameterDefinition parameter, string value, List<string> problems)
    {
        var values = new List<SearchValue>();
        foreach (var part in value.Split(','))
        {
            if (ParseValue(parameter, part) is { } parsed)
            {
                values.Add(parsed);
            }
            else
            {
                problems.Add($"{name}: '{Shorten(part)}' is not a valid {parameter.Kind.ToString().ToLowerInvariant()} value");
            }
        }
        return values;
    }

    private static SearchValue? ParseValue(SearchParameterDefinition parameter, string raw)
    {
        if (raw.Length == 0)
        {
            return null;
        }
        switch (parameter.Kind)
        {
            case SearchParamKind.Token when parameter.Name == "_id":
                return new TokenValue(null, raw);
            case SearchParamKind.Token:
                var bar = raw.IndexOf('|', StringComparison.Ordinal);
                if (bar < 0)
                {
                    return new TokenValue(null, raw);
                }
                var system = raw[..bar];
                var code = raw[(bar + 1)..];
                return system.Length == 0 && code.Length == 0 ? null : new TokenValue(system, code.Length == 0 ? null : code);
            case SearchParamKind.Reference:
                var parts = raw.Split('/');
                return parts switch
                {
                    [var id] when id.Length > 0 => new ReferenceValue(null, id),
                    [.., var t, var id] when t.Length > 0 && id.Length > 0 => new ReferenceValue(t, id),
                    _ => null,
                };
            case SearchParamKind.Date:
                var prefix = raw.Length > 2 && s_datePrefixes.Contains(raw[..2]) ? raw[..2] : "eq";
                var date = prefix == "eq" && !raw.StartsWith("eq", StringComparison.Ordinal) ? raw : raw[2..];
                return FhirDates.Range(date) is { } range ? new DateValue(prefix, range.Low, range.High) : null;
            default:
                return null;
        }
    }

    internal static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "...";
}

/// <summary><c>_count</c> and <c>_offset</c> of a search or a history, read against <see cref="SearchLimits"/>.</summary>
internal sealed class PagingParameters(SearchLimits limits)
{
    /// <summary>The page size: <c>_count</c> lowered to the limit, or the default.</summary>
    public int Count { get; private set; } = limits.DefaultCount;

    /// <summary>How many matches to skip: <c>_offset</c>, from 0 to <see cref="int.MaxValue"/>.</summary>
    public int Offset { get; private set; }

    /// <summary>True when <paramref name="name"/> is a paging parameter (read, or a problem added); false for any other.</summary>
    public bool TryRead(string name, string value, List<string> problems)
    {
        switch (name)
        {
            case "_count":
                if (TryWhole(value, out var count))
                {
                    Count = Math.Min(count, limits.MaxCount);
                }
                else
                {
                    problems.Add($"_count: must be a whole number from 0 to {int.MaxValue}");
                }
                return true;
            case "_offset":
                if (TryWhole(value, out var offset))
                {
                    Offset = offset;
                }
                else
                {
                    problems.Add($"_offset: must be a whole number from 0 to {int.MaxValue}");
                }
                return true;
            default:
                return false;
        }
    }

    private static bool TryWhole(string value, out int number) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number);
}
