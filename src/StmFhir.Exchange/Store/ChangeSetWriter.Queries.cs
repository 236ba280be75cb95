using System.Data.Common;

namespace StmFhir.Exchange.Store;

/// <summary>The reads of a change set: a fixed number of queries, however many resources it holds.</summary>
internal sealed partial class ChangeSetWriter
{
    /// <summary>The ids whose current state matters: updates' targets and the ids creates would like to keep.</summary>
    private static List<(string Type, string Id)> CandidateKeys(IReadOnlyList<Change> changes, Dictionary<int, string> matches) =>
        [.. changes.Select((c, i) => c.Method == ChangeMethod.Update ? (c.Resource.TypeName, c.Resource.Id) : matches.ContainsKey(i) ? (null, null) : (c.Resource.TypeName, ChangeRules.UrnUuid(c.FullUrl)))
            .Where(k => k.Item2 is not null).Select(k => (k.Item1!, k.Item2!)).Distinct()];

    private async Task<Dictionary<(string, string), Current>> CurrentAsync(List<(string Type, string Id)> keys, CancellationToken cancellationToken)
    {
        var current = new Dictionary<(string, string), Current>();
        if (keys.Count == 0)
        {
            return current;
        }
        await using var command = connection.Command("", transaction);
        // A deleted resource's latest version counts too (with no hash, so nothing equals it): writing it again continues its
        // version numbers. deleted_resources is small, so this costs next to nothing when no key is deleted.
        var where = DbCommands.ByTypeAndId(command, keys);
        command.CommandText = $"SELECT type, id, version, content_hash FROM resources WHERE {where} UNION ALL SELECT type, id, version, '' FROM deleted_resources WHERE {where}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            current[(reader.GetString(0), reader.GetString(1))] =
                new Current(Convert.ToInt32(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture), reader.GetString(3));
        }
        return current;
    }

    private async Task<Dictionary<(string, string), StoredResource>> ReadStoredAsync(List<(string Type, string Id)> keys, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<(string, string), StoredResource>();
        if (keys.Count == 0)
        {
            return stored;
        }
        await using var command = connection.Command("", transaction);
        command.CommandText = $"""
            SELECT r.type, r.id, r.version, r.last_updated, v.json FROM resources r
            JOIN resource_versions v ON v.type = r.type AND v.id = r.id AND v.version = r.version
            WHERE {DbCommands.ByTypeAndId(command, keys, "r.")}
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var resource = reader.ReadStored(reader.GetString(0), 1);
            stored[(resource.Type, resource.Id)] = resource;
        }
        return stored;
    }
}
