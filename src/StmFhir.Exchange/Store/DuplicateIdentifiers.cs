using System.Globalization;

namespace StmFhir.Exchange.Store;

/// <summary>
/// A business identifier that several current resources of one type carry. The identifier's value is left out: for a
/// Patient it is a medical record number, which is patient data.
/// </summary>
/// <param name="ResourceType">Patient or Practitioner.</param>
/// <param name="System">The identifier's system (e.g. the hospital's MRN namespace); empty when it has none.</param>
/// <param name="Ids">
/// The resources carrying it, in the order intake prefers them: the first is the one a conditional create (an STM
/// session's Patient or Practitioner) uses, the oldest by the time of its first version, then by id.
/// </param>
public sealed record DuplicateIdentifier(string ResourceType, string System, IReadOnlyList<string> Ids);

/// <summary>Finds the people's identifiers held by more than one current resource (<see cref="IResourceStore.DuplicateIdentifiersAsync"/>).</summary>
internal static class DuplicateIdentifiers
{
    public static async Task<IReadOnlyList<DuplicateIdentifier>> ListAsync(StoreDialect dialect, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        // The grouping walks ix_search_token (type, param, val, sys) in order: one pass over the people's identifiers,
        // without reading a resource; only the duplicated ones are then joined to their first versions.
        await using var command = connection.Command("""
            SELECT s.type, s.sys, s.val, s.id, v.last_updated FROM (
                SELECT type, val, sys FROM search_index WHERE type IN ('Patient', 'Practitioner') AND param = 'identifier'
                GROUP BY type, val, sys HAVING COUNT(DISTINCT id) > 1
                ORDER BY type, val, sys LIMIT @limit) d
            JOIN search_index s ON s.type = d.type AND s.param = 'identifier' AND s.val = d.val AND s.sys = d.sys
            JOIN resource_versions v ON v.type = s.type AND v.id = s.id AND v.version = 1
            """).With("limit", limit);
        var groups = new Dictionary<(string Type, string System, string Value), Dictionary<string, long>>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
                (groups.TryGetValue(key, out var ids) ? ids : groups[key] = new(StringComparer.Ordinal))[reader.GetString(3)] =
                    Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture);
            }
        }
        return [.. groups
            .Select(g => new DuplicateIdentifier(g.Key.Type, g.Key.System, IdentifierLookup.OldestFirst(g.Value.Select(i => (i.Key, i.Value)))))
            .OrderBy(d => d.ResourceType, StringComparer.Ordinal).ThenBy(d => d.System, StringComparer.Ordinal).ThenBy(d => d.Ids[0], StringComparer.Ordinal)];
    }
}
