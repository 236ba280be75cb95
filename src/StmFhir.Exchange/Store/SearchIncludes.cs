using System.Data.Common;

namespace StmFhir.Exchange.Store;

/// <summary>
/// The resources <c>_include</c> and <c>_revinclude</c> add to a search page: the page's matches' references followed
/// forwards (owner index: type, id) or backwards (token index: type, param, val), then the current versions read by
/// primary key; <c>:iterate</c> ones applied once more to what the first round added.
/// </summary>
/// <remarks>
/// One round of queries per include and level, each over the whole page's ids in chunks, not one per match: a page of
/// ten sessions with their eighty Observations costs three queries, not ninety.
/// </remarks>
internal static class SearchIncludes
{
    // Ids per query: far below SQLite's and PostgreSQL's parameter limits.
    private const int Chunk = 500;

    public static async Task<IReadOnlyList<StoredResource>> ReadAsync(DbConnection connection, IReadOnlyList<IncludeSpec> includes,
        IReadOnlyList<StoredResource> matches, CancellationToken cancellationToken)
    {
        var seen = matches.Select(m => (m.Type, m.Id)).ToHashSet();
        var added = await RoundAsync(connection, includes, matches, seen, cancellationToken).ConfigureAwait(false);
        if (includes.Any(i => i.Iterate) && added.Count > 0)
        {
            added.AddRange(await RoundAsync(connection, [.. includes.Where(i => i.Iterate)], added, seen, cancellationToken).ConfigureAwait(false));
        }
        return added;
    }

    private static async Task<List<StoredResource>> RoundAsync(DbConnection connection, IReadOnlyList<IncludeSpec> includes,
        IReadOnlyList<StoredResource> from, HashSet<(string Type, string Id)> seen, CancellationToken cancellationToken)
    {
        var keys = new List<(string Type, string Id)>();
        foreach (var include in includes)
        {
            foreach (var key in await KeysAsync(connection, include, from, cancellationToken).ConfigureAwait(false))
            {
                if (SearchParameterCatalog.IsSupported(key.Type) && seen.Add(key))
                {
                    keys.Add(key);
                }
            }
        }
        return await CurrentAsync(connection, keys, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<(string Type, string Id)>> KeysAsync(DbConnection connection, IncludeSpec include,
        IReadOnlyList<StoredResource> from, CancellationToken cancellationToken)
    {
        var found = new List<(string, string)>();
        var ids = include.Reverse
            ? from.Where(r => include.TargetType is null || r.Type == include.TargetType).GroupBy(r => r.Type)
            : from.Where(r => r.Type == include.SourceType).GroupBy(r => r.Type);
        foreach (var group in ids)
        {
            foreach (var chunk in group.Select(r => r.Id).Chunk(Chunk))
            {
                await using var command = connection.Command("").With("src", include.SourceType).With("param", include.Parameter);
                var list = string.Join(", ", chunk.Select((id, i) => { command.With($"i{i}", id); return $"@i{i}"; }));
                if (include.Reverse)
                {
                    command.With("target", group.Key);
                    command.CommandText = $"SELECT s.type, s.id FROM search_index s WHERE s.type = @src AND s.param = @param AND s.val IN ({list}) AND s.sys = @target";
                }
                else
                {
                    command.CommandText = $"SELECT s.sys, s.val FROM search_index s WHERE s.type = @src AND s.id IN ({list}) AND s.param = @param"
                        + (include.TargetType is null ? "" : " AND s.sys = @target");
                    command.With("target", include.TargetType ?? "");
                }
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    found.Add((reader.GetString(0), reader.GetString(1)));
                }
            }
        }
        return found;
    }

    private static async Task<List<StoredResource>> CurrentAsync(DbConnection connection, List<(string Type, string Id)> keys, CancellationToken cancellationToken)
    {
        var read = new List<StoredResource>();
        foreach (var chunk in keys.Chunk(Chunk))
        {
            await using var command = connection.Command("");
            command.CommandText = $"""
                SELECT r.type, r.id, r.version, r.last_updated, v.json FROM resources r
                JOIN resource_versions v ON v.type = r.type AND v.id = r.id AND v.version = r.version
                WHERE {DbCommands.ByTypeAndId(command, [.. chunk], "r.")}
                ORDER BY r.type, r.last_updated, r.id
                """;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                read.Add(reader.ReadStored(reader.GetString(0), 1));
            }
        }
        return read;
    }
}
