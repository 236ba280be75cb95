using System.Data.Common;
using System.Text;

namespace StmFhir.Exchange.Store;

/// <summary>The WHERE clause of a search, over <c>resources r</c> and the search index, with its parameters.</summary>
/// <remarks>
/// Each criterion is <c>r.id IN (SELECT s.id FROM search_index s WHERE s.type = @type AND s.param = ...)</c>, not a
/// correlated <c>EXISTS</c>: SQLite ran an <c>EXISTS</c> once per resource of the type (a patient's 100 Observations
/// among 100,000 read all 100,000), where it reads the uncorrelated list from the token or date index and the resources
/// by primary key. PostgreSQL plans both as the same semi-join.
/// </remarks>
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
            conjuncts.Add(Condition(criterion, Param));
        }
        return Balanced(conjuncts, "AND");
    }

    /// <summary>One criterion over <c>r</c>: its values ORed, under its modifier or chain.</summary>
    private static string Condition(SearchCriterion criterion, Func<object, string> param)
    {
        var name = criterion.Parameter.Name;
        if (criterion.Values.Count == 0)
        {
            return "1 = 0";
        }
        if (criterion.Modifier == SearchModifier.Missing)
        {
            var having = $"r.id IN (SELECT s.id FROM search_index s WHERE s.type = @type AND s.param = {param(name)})";
            return criterion.Values[0] is MissingValue { Missing: true } ? "NOT " + having : having;
        }
        if (name == "_id")
        {
            var ids = $"r.id IN ({string.Join(", ", criterion.Values.Select(v => param(v is TokenValue t ? t.Code ?? "" : "")))})";
            return criterion.Modifier == SearchModifier.Not ? "NOT " + ids : ids;
        }
        if (name == "_lastUpdated")
        {
            return Balanced([.. criterion.Values.Select(v => v is DateValue d ? DateCondition(d, "r.last_updated", "r.last_updated", param) : "1 = 0")], "OR");
        }
        if (criterion.Chain is { } chain)
        {
            // The targets' ids from their own index rows, then the references to them: two index range reads.
            return $"r.id IN (SELECT s.id FROM search_index s WHERE s.type = @type AND s.param = {param(name)} AND s.sys = {param(chain.TargetType)} "
                + $"AND s.val IN (SELECT c.id FROM search_index c WHERE c.type = {param(chain.TargetType)} AND c.param = {param(chain.Parameter.Name)} "
                + $"AND {Values(criterion.Values, "c", param)}))";
        }
        var matching = $"r.id IN (SELECT s.id FROM search_index s WHERE s.type = @type AND s.param = {param(name)} AND {Values(criterion.Values, "s", param)})";
        return criterion.Modifier == SearchModifier.Not ? "NOT " + matching : matching;
    }

    private static string Values(IReadOnlyList<SearchValue> values, string s, Func<object, string> param) =>
        Balanced([.. values.Select(value => value switch
        {
            TokenValue { System: null, Code: { } code } => $"{s}.val = {param(code)}",
            TokenValue { System: { } system, Code: null } => $"{s}.sys = {param(system)}",
            TokenValue { System: { } system, Code: { } code } => $"({s}.sys = {param(system)} AND {s}.val = {param(code)})",
            ReferenceValue { Type: null } r => $"{s}.val = {param(r.Id)}",
            ReferenceValue r => $"({s}.sys = {param(r.Type!)} AND {s}.val = {param(r.Id)})",
            DateValue d => DateCondition(d, $"{s}.lo", $"{s}.hi", param),
            _ => "1 = 0",
        })], "OR");

    /// <summary>
    /// The page query's sort columns (<c>k0</c>, <c>k0n</c>, ...) and its ORDER BY over them, ending in
    /// <c>last_updated, id</c> so the order is total. A parameter's key is the least value of a resource's (the greatest
    /// descending), read through the owner index; a resource without one sorts last either way (<c>kNn</c>, which also
    /// makes SQLite, where NULL sorts first, and PostgreSQL, where it sorts last, agree).
    /// </summary>
    public static (string Columns, string Order) OrderBy(SearchQuery query, DbCommand command)
    {
        var columns = new StringBuilder();
        var order = new List<string>();
        for (var i = 0; i < query.Sort.Count; i++)
        {
            var (parameter, descending) = query.Sort[i];
            var direction = descending ? " DESC" : "";
            switch (parameter.Name)
            {
                case "_lastUpdated":
                    order.Add("last_updated" + direction);
                    continue;
                case "_id":
                    order.Add("id" + direction);
                    continue;
            }
            command.With($"sort{i}", parameter.Name);
            // Expressions, not bare columns: over a bare column both planners answer MIN/MAX by walking the token or date
            // index in value order until they meet this resource's row, i.e. through every other resource's values.
            var value = parameter.Kind == SearchParamKind.Date ? (descending ? "MAX(o.hi + 0)" : "MIN(o.lo + 0)") : (descending ? "MAX(o.val || '')" : "MIN(o.val || '')");
            columns.Append($", (SELECT {value} FROM search_index o WHERE o.type = r.type AND o.id = r.id AND o.param = @sort{i}) AS k{i}");
            columns.Append($", CASE WHEN NOT EXISTS (SELECT 1 FROM search_index o WHERE o.type = r.type AND o.id = r.id AND o.param = @sort{i}) THEN 1 ELSE 0 END AS k{i}n");
            order.Add($"k{i}n");
            order.Add($"k{i}{direction}");
        }
        // Ties are broken by the default order, or, after a descending _lastUpdated, by id descending, so the index on
        // (type, last_updated, id) read backwards gives the whole order.
        if (!order.Any(o => o.StartsWith("last_updated", StringComparison.Ordinal)))
        {
            order.Add("last_updated");
        }
        if (!order.Any(o => o.StartsWith("id", StringComparison.Ordinal)))
        {
            order.Add(order[^1] == "last_updated DESC" ? "id DESC" : "id");
        }
        return (columns.ToString(), string.Join(", ", order));
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
