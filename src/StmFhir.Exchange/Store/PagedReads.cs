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
        await using var page = connection.Command("");
        page.CommandText = Budgeted($"""
            SELECT r.type, r.id, r.version, r.last_updated, octet_length(v.json) + {EntryOverhead} AS size FROM resources r
            JOIN resource_versions v ON v.type = r.type AND v.id = r.id AND v.version = r.version
            WHERE {SearchSql.Where(query, page)}
            ORDER BY r.last_updated, r.id LIMIT @limit OFFSET @offset
            """, "last_updated, id");
        page.With("limit", query.Count).With("offset", query.Offset).With("budget", query.MaxBytes);
        return new SearchResult(total, await ReadAsync(page, query.Type, cancellationToken).ConfigureAwait(false));
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
            SELECT r.id, r.version, r.last_updated, v.json FROM resources r
            JOIN resource_versions v ON v.type = r.type AND v.id = r.id AND v.version = r.version
            WHERE r.type = @type AND r.id IN (
                SELECT s.id FROM search_index s WHERE s.type = @type AND s.param = @param AND s.val = @val AND s.sys = @sys)
            ORDER BY r.last_updated, r.id
            """).With("type", type).With("param", parameter).With("val", target.Id).With("sys", target.Type ?? "");
        return await ReadAsync(command, type, cancellationToken).ConfigureAwait(false);
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
        return new HistoryResult(true, total, await ReadAsync(page, query.Type, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The rows of <paramref name="page"/> (columns type, id, version, last_updated and size, in <paramref name="order"/>)
    /// whose running size stays within <c>@budget</c>, and always the first, with their JSON.
    /// </summary>
    private static string Budgeted(string page, string order) => $"""
        SELECT p.id, p.version, p.last_updated, v.json FROM (
            SELECT q.type, q.id, q.version, q.last_updated, q.size, SUM(q.size) OVER (ORDER BY {order} ROWS UNBOUNDED PRECEDING) AS upto
            FROM ({page}) q) p
        JOIN resource_versions v ON v.type = p.type AND v.id = p.id AND v.version = p.version
        WHERE p.upto <= @budget OR p.upto = p.size
        ORDER BY {string.Join(", ", order.Split(", ").Select(o => "p." + o))}
        """;

    private static async Task<IReadOnlyList<StoredResource>> ReadAsync(DbCommand command, string type, CancellationToken cancellationToken)
    {
        var list = new List<StoredResource>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(reader.ReadStored(type));
        }
        return list;
    }
}
