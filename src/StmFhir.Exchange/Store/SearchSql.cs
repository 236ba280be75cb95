using System.Data.Common;
using System.Text;

namespace StmFhir.Exchange.Store;

/// <summary>The WHERE clause of a search, over <c>resources r</c> and the search index, with its parameters.</summary>
/// <remarks>
/// Ids are one <c>IN</c> list, and every other OR and AND is a balanced tree (<see cref="Balanced"/>), never a chain: SQLite
/// refuses an expression deeper than 1,000 ("Expression tree is too large"), and <c>a OR b OR c ...</c> is as deep as it
/// is long, so a list of a thousand values failed. Both databases' planners flatten nested ORs and ANDs, so the plans are
/// the same as for a chain.
/// </remarks>
internal static class SearchSql
{
    public static string Where(SearchQuery query, DbCommand command)
    {
        command.With("type", query.Type);
        var n = 0;
        string Param(object value)
        {
            var name = $"q{n++}";
            command.With(name, value);
            return "@" + name;
        }

        var conjuncts = new List<string> { "r.type = @type" };
        foreach (var criterion in query.Criteria)
        {
            var name = criterion.Parameter.Name;
            if (criterion.Values.Count == 0)
            {
                conjuncts.Add("1 = 0");
                continue;
            }
            if (name == "_id")
            {
                conjuncts.Add($"r.id IN ({string.Join(", ", criterion.Values.Select(v => Param(v is TokenValue t ? t.Code ?? "" : "")))})");
                continue;
            }
            var any = Balanced([.. criterion.Values.Select(value => (name, value) switch
            {
                ("_lastUpdated", DateValue d) => DateCondition(d, "r.last_updated", "r.last_updated", Param),
                (_, TokenValue { System: null, Code: { } code }) => $"s.val = {Param(code)}",
                (_, TokenValue { System: { } system, Code: null }) => $"s.sys = {Param(system)}",
                (_, TokenValue { System: { } system, Code: { } code }) => $"(s.sys = {Param(system)} AND s.val = {Param(code)})",
                (_, ReferenceValue { Type: null } r) => $"s.val = {Param(r.Id)}",
                (_, ReferenceValue r) => $"(s.sys = {Param(r.Type!)} AND s.val = {Param(r.Id)})",
                (_, DateValue d) => DateCondition(d, "s.lo", "s.hi", Param),
                _ => "1 = 0",
            })], "OR");
            conjuncts.Add(name == "_lastUpdated"
                ? any
                : $"EXISTS (SELECT 1 FROM search_index s WHERE s.type = r.type AND s.id = r.id AND s.param = {Param(name)} AND {any})");
        }
        return Balanced(conjuncts, "AND");
    }

    /// <summary>
    /// <paramref name="terms"/> joined by <paramref name="op"/> as a balanced, parenthesised tree: its depth grows with the
    /// logarithm of the number of terms, not with the number.
    /// </summary>
    public static string Balanced(IReadOnlyList<string> terms, string op)
    {
        var sql = new StringBuilder();
        void Append(int from, int count)
        {
            if (count == 1)
            {
                sql.Append(terms[from]);
                return;
            }
            var half = count / 2;
            sql.Append('(');
            Append(from, half);
            sql.Append(' ').Append(op).Append(' ');
            Append(from + half, count - half);
            sql.Append(')');
        }

        if (terms.Count == 0)
        {
            throw new ArgumentException("No terms to join", nameof(terms));
        }
        Append(0, terms.Count);
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
