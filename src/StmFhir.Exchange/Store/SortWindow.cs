using System.Data.Common;

namespace StmFhir.Exchange.Store;

/// <summary>
/// For a search without criteria sorted first by a search parameter (<c>_sort=date</c>, <c>_sort=-identifier</c>): the
/// resources that can be on its page, found by walking that parameter's index rows in sort order. Without it, such a
/// search computes the sort key of every resource of the type (100,000 Observations for a page of 10) and sorts them all.
/// </summary>
/// <remarks>
/// A resource's key is the least of its values (the greatest, descending), so walking the index rows in key order meets
/// each resource first at its key. Once the walk has met as many resources as the page needs (offset plus count), and
/// every resource tied with the last of them, no other resource can be on the page: the page query reads just those
/// (by primary key) and orders them exactly as before. A list of ids, not a range of keys: PostgreSQL misjudged how many
/// rows a range of text keys holds (half the table for ten) and planned a scan. When the walk runs out first, the page
/// reaches resources without the parameter, and the search runs unnarrowed; so does a page deeper than
/// <see cref="MaxWindow"/>.
/// </remarks>
/// <param name="Ids">The resources that can be on the page.</param>
internal sealed record SortWindow(IReadOnlyCollection<string> Ids)
{
    /// <summary>Pages reaching further than this many resources are not narrowed (the walk would cost what it saves).</summary>
    public const int MaxWindow = 10_000;

    /// <summary>The window of <paramref name="query"/>, or null when it has criteria, no parameter sort, or a page the walk cannot narrow.</summary>
    public static async Task<SortWindow?> FindAsync(DbConnection connection, SearchQuery query, CancellationToken cancellationToken)
    {
        if (!Applies(query))
        {
            return null;
        }
        var needed = query.Offset + query.Count;
        // A resource may have several index rows of the parameter: read more rows than resources needed, and more again
        // when they held too few resources (or the ties at the end went on).
        for (var rows = needed * 2 + 16; rows <= MaxWindow * 8; rows *= 4)
        {
            await using var walk = WalkCommand(connection, query, rows);
            var met = new HashSet<string>(StringComparer.Ordinal);
            object? last = null;
            var read = 0;
            await using var reader = await walk.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                read++;
                var (id, key) = (reader.GetString(0), reader.GetValue(1));
                if (last is not null)
                {
                    // Past the page's last resource: only its ties may still come, and then none.
                    if (!Equals(key, last))
                    {
                        return new SortWindow(met);
                    }
                    met.Add(id);
                }
                else if (met.Add(id) && met.Count == needed)
                {
                    last = key;
                }
            }
            if (read < rows)
            {
                return last is null ? null : new SortWindow(met);
            }
        }
        return null;
    }

    /// <summary>The plan of the walk (for the tests that show it reads an index in order).</summary>
    public static async Task<string> ExplainAsync(DbConnection connection, SearchQuery query, string prefix, CancellationToken cancellationToken)
    {
        if (!Applies(query))
        {
            return "";
        }
        await using var walk = WalkCommand(connection, query, query.Offset + query.Count);
        walk.CommandText = prefix + walk.CommandText;
        var plan = new System.Text.StringBuilder();
        await using var reader = await walk.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            plan.AppendLine(Convert.ToString(reader.GetValue(reader.FieldCount - 1), System.Globalization.CultureInfo.InvariantCulture));
        }
        return plan.ToString();
    }

    /// <summary>The conjunct over <c>r</c> that keeps the window's resources.</summary>
    public string Condition(DbCommand command) =>
        $"r.id IN ({string.Join(", ", Ids.Select((id, i) => { command.With($"w{i}", id); return $"@w{i}"; }))})";

    private static bool Applies(SearchQuery query) =>
        query.Criteria.Count == 0 && query.Sort.Count > 0 && query.Count > 0 && query.Offset + query.Count <= MaxWindow
        && query.Sort[0].Parameter.Name is not ("_lastUpdated" or "_id");

    /// <summary>The first <paramref name="rows"/> index rows of the first sort key's parameter, in its order.</summary>
    private static DbCommand WalkCommand(DbConnection connection, SearchQuery query, int rows)
    {
        var (parameter, descending) = query.Sort[0];
        var column = parameter.Kind == SearchParamKind.Date ? (descending ? "hi" : "lo") : "val";
        return connection.Command($"""
            SELECT id, {column} FROM search_index WHERE type = @type AND param = @param AND {column} IS NOT NULL
            ORDER BY {column}{(descending ? " DESC" : "")} LIMIT @rows
            """).With("type", query.Type).With("param", parameter.Name).With("rows", rows);
    }
}
