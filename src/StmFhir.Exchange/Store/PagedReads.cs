using System.Data.Common;
using System.Globalization;

namespace StmFhir.Exchange.Store;

/// <summary>
/// Search pages and history pages, each read in one query that returns no more than the page's byte budget
/// (<see cref="SearchQuery.MaxBytes"/>, <see cref="HistoryQuery.MaxBytes"/>).
/// </summary>
/// <remarks>
/// The budget is applied in SQL, not by reading rows until it is spent: the page's rows are first listed with the size
/// of their JSON (<c>octet_length</c>, which both databases answer from the row's header without reading a large value),
/// a running sum over them keeps the prefix that fits, and only that prefix's JSON is read. Stopping a reader early is
/// not enough on PostgreSQL, where the server would still send every remaining row and Npgsql read and skip them: 200
/// resources of 4.5 MB each are a gigabyte on the wire for a page that keeps one.
/// </remarks>
internal sealed class PagedReads(StoreDialect dialect)
{
    /// <summary>
    /// Bytes counted for each entry beyond its resource's JSON: its <c>fullUrl</c> and its <c>search</c>, <c>request</c>
    /// and <c>response</c> elements in a Bundle (under 200 bytes for the ids this server gives).
    /// </summary>
    public const int EntryOverhead = 256;

    public async Task<SearchResult> SearchAsync(SearchQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var count = connection.Command("");
        count.CommandText = "SELECT COUNT(*) FROM resources r WHERE " + SearchSql.Where(query, count);
        var total = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (query.Count == 0 || query.Offset >= total)
        {
            return new SearchResult(total, []);
        }
        var window = await SortWindow.FindAsync(connection, query, cancellationToken).ConfigureAwait(false);
        await using var page = PageCommand(connection, query, "", window);
        var matches = await ReadAsync(page, cancellationToken).ConfigureAwait(false);
        var included = query.Includes.Count == 0
            ? []
            : await SearchIncludes.ReadAsync(connection, query.Includes, matches, cancellationToken).ConfigureAwait(false);
        return new SearchResult(total, matches) { Included = included };
    }

    /// <summary>The database's plan of a search page's query (for the tests that show it reads through indexes).</summary>
    public async Task<string> ExplainSearchAsync(SearchQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        // The walk that finds the window (if any) is part of the search's cost, so its plan comes first.
        var plan = new System.Text.StringBuilder(await SortWindow.ExplainAsync(connection, query, dialect.ExplainPrefix, cancellationToken).ConfigureAwait(false));
        var window = await SortWindow.FindAsync(connection, query, cancellationToken).ConfigureAwait(false);
        await using var command = PageCommand(connection, query, dialect.ExplainPrefix, window);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            plan.AppendLine(Convert.ToString(reader.GetValue(reader.FieldCount - 1), CultureInfo.InvariantCulture));
        }
        return plan.ToString();
    }

    /// <summary>
    /// A search page's query, in the query's order (<see cref="SearchSql.OrderBy"/>), within its byte budget; narrowed to
    /// <paramref name="window"/>'s resources when there is one.
    /// </summary>
    private static DbCommand PageCommand(DbConnection connection, SearchQuery query, string prefix, SortWindow? window)
    {
        var page = connection.Command("");
        var (columns, order) = SearchSql.OrderBy(query, page);
        page.CommandText = prefix + Budgeted($"""
            SELECT r.type AS type, r.id AS id, r.version AS version, r.last_updated AS last_updated, octet_length(v.json) + {EntryOverhead} AS size{columns}
            FROM resources r
            JOIN resource_versions v ON v.type = r.type AND v.id = r.id AND v.version = r.version
            WHERE {SearchSql.Where(query, page)}{(window is null ? "" : " AND " + window.Condition(page))}
            ORDER BY {order} LIMIT @limit OFFSET @offset
            """, order);
        return page.With("limit", query.Count).With("offset", query.Offset).With("budget", query.MaxBytes);
    }

    /// <summary>
    /// Driven from the search index's (type, param, val, sys) index: a correlated EXISTS per resource of the type, as a
    /// search runs, would read every resource of the type, and for each one every index row of that value.
    /// </summary>
    public async Task<IReadOnlyList<StoredResource>> ReferencingAsync(string type, string parameter, ReferenceValue target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command("""
            SELECT r.type, r.id, r.version, r.last_updated, v.json FROM resources r
            JOIN resource_versions v ON v.type = r.type AND v.id = r.id AND v.version = r.version
            WHERE r.type = @type AND r.id IN (
                SELECT s.id FROM search_index s WHERE s.type = @type AND s.param = @param AND s.val = @val AND s.sys = @sys)
            ORDER BY r.last_updated, r.id
            """).With("type", type).With("param", parameter).With("val", target.Id).With("sys", target.Type ?? "");
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<HistoryResult> HistoryAsync(HistoryQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Both counts from the primary key's range of this resource, without reading a version's JSON.
        await using var count = connection.Command("""
            SELECT COUNT(*), COALESCE(SUM(CASE WHEN last_updated >= @since THEN 1 ELSE 0 END), 0)
            FROM resource_versions WHERE type = @type AND id = @id
            """).With("type", query.Type).With("id", query.Id).With("since", query.Since ?? long.MinValue);
        int all, total;
        await using (var reader = await count.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            all = Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture);
            total = Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture);
        }
        if (query.Count == 0 || query.Offset >= total)
        {
            return new HistoryResult(all > 0, total, []);
        }
        await using var page = connection.Command(Budgeted($"""
            SELECT type, id, version, last_updated, octet_length(json) + {EntryOverhead} AS size FROM resource_versions
            WHERE type = @type AND id = @id AND last_updated >= @since
            ORDER BY version DESC LIMIT @limit OFFSET @offset
            """, "version DESC"))
            .With("type", query.Type).With("id", query.Id).With("since", query.Since ?? long.MinValue)
            .With("limit", query.Count).With("offset", query.Offset).With("budget", query.MaxBytes);
        return new HistoryResult(true, total, await ReadAsync(page, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The rows of <paramref name="page"/> (columns type, id, version, last_updated and size, in <paramref name="order"/>)
    /// whose running size stays within <c>@budget</c>, and always the first, with their JSON.
    /// </summary>
    private static string Budgeted(string page, string order) => $"""
        SELECT p.type, p.id, p.version, p.last_updated, v.json FROM (
            SELECT q.*, SUM(q.size) OVER (ORDER BY {order} ROWS UNBOUNDED PRECEDING) AS upto
            FROM ({page}) q) p
        JOIN resource_versions v ON v.type = p.type AND v.id = p.id AND v.version = p.version
        WHERE p.upto <= @budget OR p.upto = p.size
        ORDER BY {string.Join(", ", order.Split(", ").Select(o => "p." + o))}
        """;

    /// <summary>
    /// One page of the versions of every resource of the query's types (all stored types when none), newest first: the
    /// type-level and system-level history. Counted and paged through the index on (type, last_updated).
    /// </summary>
    public async Task<HistoryResult> ChangesAsync(ChangesQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Types.Count == 0)
        {
            return new HistoryResult(true, 0, []);
        }
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var count = connection.Command("");
        count.CommandText = $"SELECT COUNT(*) FROM resource_versions WHERE {TypesSince(query, count)}";
        var total = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (query.Count == 0 || query.Offset >= total)
        {
            return new HistoryResult(true, total, []);
        }
        await using var page = connection.Command("");
        page.CommandText = Budgeted($"""
            SELECT type, id, version, last_updated, octet_length(json) + {EntryOverhead} AS size FROM resource_versions
            WHERE {TypesSince(query, page)}
            ORDER BY last_updated DESC, type, id, version DESC LIMIT @limit OFFSET @offset
            """, "last_updated DESC, type, id, version DESC");
        page.With("limit", query.Count).With("offset", query.Offset).With("budget", query.MaxBytes);
        return new HistoryResult(true, total, await ReadAsync(page, cancellationToken).ConfigureAwait(false));
    }

    private static string TypesSince(ChangesQuery query, DbCommand command)
    {
        command.With("since", query.Since ?? long.MinValue);
        return $"type IN ({string.Join(", ", query.Types.Select((t, i) => { command.With($"t{i}", t); return $"@t{i}"; }))}) AND last_updated >= @since";
    }

    /// <summary>The rows of <paramref name="command"/>, each <c>type, id, version, last_updated, json</c>.</summary>
    private static async Task<IReadOnlyList<StoredResource>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var list = new List<StoredResource>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(reader.ReadStored(reader.GetString(0), 1));
        }
        return list;
    }
}
