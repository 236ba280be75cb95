using System.Data.Common;
using System.Text;

namespace StmFhir.Exchange.Storage;

/// <summary>The WHERE clause of a search, over <c>resources r</c> and the search index, with its parameters.</summary>
internal static class SearchSql
{
    public static string Where(SearchQuery query, DbCommand command)
    {
        var sql = new StringBuilder("r.type = @type");
        command.With("type", query.Type);
        var n = 0;
        string Param(object value)
        {
            var name = $"q{n++}";
            command.With(name, value);
            return "@" + name;
        }

        foreach (var criterion in query.Criteria)
        {
            var name = criterion.Parameter.Name;
            var alternatives = new List<string>();
            foreach (var value in criterion.Values)
            {
                alternatives.Add((name, value) switch
                {
                    ("_id", TokenValue t) => $"r.id = {Param(t.Code ?? "")}",
                    ("_lastUpdated", DateValue d) => DateCondition(d, "r.last_updated", "r.last_updated", Param),
                    (_, TokenValue { System: null, Code: { } code }) => $"s.val = {Param(code)}",
                    (_, TokenValue { System: { } system, Code: null }) => $"s.sys = {Param(system)}",
                    (_, TokenValue { System: { } system, Code: { } code }) => $"(s.sys = {Param(system)} AND s.val = {Param(code)})",
                    (_, ReferenceValue { Type: null } r) => $"s.val = {Param(r.Id)}",
                    (_, ReferenceValue r) => $"(s.sys = {Param(r.Type!)} AND s.val = {Param(r.Id)})",
                    (_, DateValue d) => DateCondition(d, "s.lo", "s.hi", Param),
                    _ => "1 = 0",
                });
            }
            var any = alternatives.Count == 0 ? "1 = 0" : string.Join(" OR ", alternatives);
            sql.Append(name is "_id" or "_lastUpdated"
                ? $" AND ({any})"
                : $" AND EXISTS (SELECT 1 FROM search_index s WHERE s.type = r.type AND s.id = r.id AND s.param = {Param(name)} AND ({any}))");
        }
        return sql.ToString();
    }

    /// <summary>FHIR date prefixes over the resource's range [lo, hi] and the value's range [low, high].</summary>
    private static string DateCondition(DateValue d, string lo, string hi, Func<object, string> param) => d.Prefix switch
    {
        "ne" => $"NOT ({lo} >= {param(d.Low)} AND {hi} <= {param(d.High)})",
        "gt" => $"{hi} > {param(d.High)}",
        "lt" => $"{lo} < {param(d.Low)}",
        "ge" => $"{hi} >= {param(d.Low)}",
        "le" => $"{lo} <= {param(d.High)}",
        "sa" => $"{lo} > {param(d.High)}",
        "eb" => $"{hi} < {param(d.Low)}",
        "ap" => $"({lo} <= {param(d.High)} AND {hi} >= {param(d.Low)})",
        _ => $"({lo} >= {param(d.Low)} AND {hi} <= {param(d.High)})",
    };
}
