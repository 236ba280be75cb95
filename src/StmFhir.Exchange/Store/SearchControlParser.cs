namespace StmFhir.Exchange.Store;

/// <summary>A search parameter's name split into its parts: <c>subject:Patient.identifier</c>, <c>code:not</c>, <c>date:missing</c>.</summary>
/// <param name="Parameter">The parameter on the searched type.</param>
/// <param name="Modifier">Its modifier.</param>
/// <param name="TypeModifier">For a reference, the type after the colon (<c>subject:Patient</c>), or null.</param>
/// <param name="Chain">The chained parameter, or null.</param>
internal sealed record ParsedName(SearchParameterDefinition Parameter, SearchModifier Modifier, string? TypeModifier, ChainedParameter? Chain);

/// <summary>
/// Reads <c>_sort</c>, <c>_include</c> and <c>_revinclude</c> (with <c>:iterate</c>), and search parameter names with
/// modifiers and chains, each refused with a message naming it where the store could not honour it.
/// </summary>
internal static class SearchControlParser
{
    /// <summary>True when <paramref name="name"/> is <c>_sort</c> or an include (read into the lists, or a problem added).</summary>
    public static bool TryRead(string type, string name, string value, List<SortKey> sort, List<IncludeSpec> includes, List<string> problems)
    {
        switch (name)
        {
            case "_sort":
                foreach (var part in value.Split(','))
                {
                    var descending = part.StartsWith('-');
                    var key = descending ? part[1..] : part;
                    if (SearchParameterCatalog.Find(type, key) is { Kind: not SearchParamKind.Reference } parameter)
                    {
                        sort.Add(new SortKey(parameter, descending));
                    }
                    else
                    {
                        problems.Add($"_sort: '{SearchQueryParser.Shorten(key)}' is not a date or token search parameter of {type} ({SortableOf(type)} are)");
                    }
                }
                return true;
            case "_include" or "_include:iterate" or "_revinclude" or "_revinclude:iterate":
                var reverse = name.StartsWith("_revinclude", StringComparison.Ordinal);
                var iterate = name.EndsWith(":iterate", StringComparison.Ordinal);
                if (Include(type, value, reverse, iterate, out var problem) is { } include)
                {
                    includes.Add(include);
                }
                else
                {
                    problems.Add($"{name}: {problem}");
                }
                return true;
            default:
                return false;
        }
    }

    private static IncludeSpec? Include(string type, string value, bool reverse, bool iterate, out string problem)
    {
        var parts = value.Split(':');
        problem = "";
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length == 0))
        {
            problem = $"'{SearchQueryParser.Shorten(value)}' is not SourceType:parameter[:TargetType]";
            return null;
        }
        var (source, name, target) = (parts[0], parts[1], parts.Length == 3 ? parts[2] : null);
        if (!SearchParameterCatalog.IsSupported(source) || (target is not null && !SearchParameterCatalog.IsSupported(target)))
        {
            problem = $"'{SearchQueryParser.Shorten(value)}' names a type this server does not store";
            return null;
        }
        // A plain _include starts from the matches, so it must name their type; :iterate ones also start from included resources.
        if (!reverse && !iterate && source != type)
        {
            problem = $"'{SearchQueryParser.Shorten(value)}' must start with {type}, the searched type (or use _include:iterate)";
            return null;
        }
        if (SearchParameterCatalog.Find(source, name) is not { Kind: SearchParamKind.Reference })
        {
            var references = string.Join(", ", SearchParameterCatalog.For(source).Where(p => p.Kind == SearchParamKind.Reference).Select(p => $"{source}:{p.Name}"));
            problem = $"'{SearchQueryParser.Shorten(value)}' is not a reference parameter of {source} (these are: {references})";
            return null;
        }
        return new IncludeSpec(reverse, source, name, target, iterate);
    }

    /// <summary>Splits a parameter name into parameter, modifier and chain; null with a problem where the store cannot search it.</summary>
    /// <returns>Null and no problem for an unknown parameter.</returns>
    public static ParsedName? Name(string type, string name, out string? problem)
    {
        problem = null;
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var head = dot < 0 ? name : name[..dot];
        var colon = head.IndexOf(':', StringComparison.Ordinal);
        var code = colon < 0 ? head : head[..colon];
        var modifier = colon < 0 ? null : head[(colon + 1)..];
        if (SearchParameterCatalog.Find(type, code) is not { } parameter)
        {
            return null;
        }
        string? typeModifier = null;
        var kind = SearchModifier.None;
        switch (modifier)
        {
            case null:
                break;
            case "missing" when dot < 0 && !code.StartsWith('_'):
                kind = SearchModifier.Missing;
                break;
            case "not" when dot < 0 && parameter.Kind == SearchParamKind.Token:
                kind = SearchModifier.Not;
                break;
            case var t when parameter.Kind == SearchParamKind.Reference && SearchParameterCatalog.IsSupported(t):
                typeModifier = t;
                break;
            default:
                problem = $"{name}: the modifier ':{SearchQueryParser.Shorten(modifier)}' is not supported on this {parameter.Kind.ToString().ToLowerInvariant()} parameter "
                    + "(:missing on any type-specific parameter, :not on tokens, :Type on references; :exact applies to string parameters, which no stored type has)";
                return null;
        }
        if (dot < 0)
        {
            return new ParsedName(parameter, kind, typeModifier, null);
        }
        var target = typeModifier ?? (parameter.Targets.Count == 1 ? parameter.Targets[0] : null);
        if (parameter.Kind != SearchParamKind.Reference || target is null)
        {
            problem = $"{name}: a chain needs a reference parameter with one target type, or the type named ({code}:Type.parameter)";
            return null;
        }
        var chained = name[(dot + 1)..];
        if (chained.Contains('.', StringComparison.Ordinal) || SearchParameterCatalog.Find(target, chained) is not { } chainedParameter || chainedParameter.Name.StartsWith('_'))
        {
            problem = $"{name}: '{SearchQueryParser.Shorten(chained)}' is not a search parameter of {target} that can be chained (one level; e.g. {code}.identifier)";
            return null;
        }
        return new ParsedName(parameter, SearchModifier.None, target, new ChainedParameter(target, chainedParameter));
    }

    private static string SortableOf(string type) =>
        string.Join(", ", SearchParameterCatalog.Common.Concat(SearchParameterCatalog.For(type)).Where(p => p.Kind != SearchParamKind.Reference).Select(p => p.Name));
}
