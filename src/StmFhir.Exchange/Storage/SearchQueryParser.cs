namespace StmFhir.Exchange.Storage;

/// <summary>Limits of search paging.</summary>
/// <param name="DefaultCount">Page size when <c>_count</c> is absent.</param>
/// <param name="MaxCount">Largest page size served; a larger <c>_count</c> is lowered to it.</param>
public sealed record PagingLimits(int DefaultCount, int MaxCount);

/// <summary>The outcome of parsing a search: the query, or every problem found (unknown parameters, bad values).</summary>
/// <param name="Query">The query, when there were no problems.</param>
/// <param name="Problems">One message per problem; empty on success.</param>
public sealed record SearchParseResult(SearchQuery? Query, IReadOnlyList<string> Problems);

/// <summary>Turns URL query parameters into a <see cref="SearchQuery"/>, refusing anything it would otherwise ignore.</summary>
public static class SearchQueryParser
{
    private static readonly string[] s_datePrefixes = ["eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"];

    /// <summary>Parses the parameters of a search of <paramref name="type"/>; every unknown parameter is a problem.</summary>
    public static SearchParseResult Parse(string type, IEnumerable<KeyValuePair<string, string>> parameters, PagingLimits limits)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(limits);
        var problems = new List<string>();
        var criteria = new List<SearchCriterion>();
        var count = limits.DefaultCount;
        var offset = 0;
        var unknown = new List<string>();
        foreach (var (name, value) in parameters)
        {
            switch (name)
            {
                case "_count":
                    if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var c))
                    {
                        count = Math.Min(c, limits.MaxCount);
                    }
                    else
                    {
                        problems.Add("_count: must be a whole number of 0 or more");
                    }
                    continue;
                case "_offset":
                    if (!int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out offset))
                    {
                        problems.Add("_offset: must be a whole number of 0 or more");
                    }
                    continue;
            }
            if (SearchParameterCatalog.Control.Contains(name))
            {
                continue;
            }
            if (SearchParameterCatalog.Find(type, name) is not { } parameter)
            {
                unknown.Add(name);
                continue;
            }
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
            criteria.Add(new SearchCriterion(parameter, values));
        }
        if (unknown.Count > 0)
        {
            var known = string.Join(", ", SearchParameterCatalog.Common.Concat(SearchParameterCatalog.For(type)).Select(p => p.Name)
                .Concat(SearchParameterCatalog.Control));
            problems.Insert(0, $"Unknown search parameter(s) for {type}: {string.Join(", ", unknown.Distinct())}. Supported: {known}");
        }
        return problems.Count > 0
            ? new SearchParseResult(null, problems)
            : new SearchParseResult(new SearchQuery(type, criteria, count, offset), []);
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

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "...";
}
