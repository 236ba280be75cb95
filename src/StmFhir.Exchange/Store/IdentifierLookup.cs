using System.Data.Common;
using System.Globalization;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging;

namespace StmFhir.Exchange.Store;

/// <summary>
/// The business identifiers a change set is matched and checked on, looked up in one query: the conditional creates'
/// <c>identifier=system|value</c>, and every identifier of a Patient or Practitioner it writes (intake finds people by
/// them, so a second person with one would make that match ambiguous).
/// </summary>
/// <remarks>
/// For an STM session both sets are the same two keys (its Patient's and its Practitioner's conditional create on their
/// only identifier), so the check of duplicates costs intake no extra question to the database.
/// </remarks>
internal sealed class IdentifierLookup
{
    // Keys per query: three parameters each, far below SQLite's and PostgreSQL's limits.
    private const int Chunk = 300;

    private readonly IReadOnlyList<Change> _changes;
    private readonly (string System, string Value)?[] _conditions;
    private readonly IdentifierRules _rules;
    private readonly List<(string System, string Value)>?[] _people;
    private Dictionary<(string Type, string System, string Value), List<string>> _holders = [];

    public IdentifierLookup(IReadOnlyList<Change> changes, (string System, string Value)?[] conditions, IdentifierRules rules)
    {
        _changes = changes;
        _conditions = conditions;
        _rules = rules;
        _people = new List<(string, string)>?[changes.Count];
        if (!rules.AllowDuplicatePersonIdentifiers)
        {
            for (var i = 0; i < changes.Count; i++)
            {
                _people[i] = PersonKeys(changes[i].Resource);
            }
        }
    }

    /// <summary>The types whose identifiers intake matches on: at most one current resource per identifier.</summary>
    public static bool IsPerson(string type) => type is nameof(Patient) or nameof(Practitioner);

    /// <summary>Lock keys for every identifier looked up, so concurrent writers of one identifier take turns.</summary>
    public IEnumerable<string> LockKeys() => Keys().Distinct().Select(k => $"i|{k.Type}|{k.System}|{k.Value}");

    /// <summary>
    /// Looks every identifier up and gives each conditional create its existing match. Where several resources match
    /// (duplicates stored before they were refused, or while they were allowed), the oldest is used, by the time of its
    /// first version and then by id, so every session of that person goes to the same one; the choice is logged.
    /// </summary>
    public async Task<Dictionary<int, string>> MatchAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        _holders = await HoldersAsync(connection, transaction, [.. Keys().Distinct()], cancellationToken).ConfigureAwait(false);
        var found = new Dictionary<int, string>();
        for (var i = 0; i < _changes.Count; i++)
        {
            if (_conditions[i] is not { } condition)
            {
                continue;
            }
            var type = _changes[i].Resource.TypeName;
            switch (_holders.GetValueOrDefault((type, condition.System, condition.Value)))
            {
                case null or []:
                    break;
                case [var id]:
                    found[i] = id;
                    break;
                case var several:
                    var ordered = await OldestFirstAsync(connection, transaction, type, several, cancellationToken).ConfigureAwait(false);
                    found[i] = ordered[0];
                    _rules.Logger.LogWarning("A conditional create of {ResourceType} matched {MatchCount} resources by one identifier; used the oldest, {ResourceId}, over {OtherIds}",
                        type, ordered.Count, ordered[0], string.Join(",", ordered.Skip(1)));
                    break;
            }
        }
        return found;
    }

    /// <summary>
    /// Refuses a written Patient or Practitioner (<paramref name="written"/>, at the ids given) with an identifier that
    /// another current resource of its type holds, or that another of the written ones carries; an identifier the
    /// resource already had is kept (a duplicate from before may still be updated).
    /// </summary>
    /// <exception cref="StoreRejectedException">With <see cref="StoreRejection.Conflict"/>, naming the other resource or entry.</exception>
    public void CheckNoNewDuplicates(IEnumerable<int> written, string[] ids)
    {
        var claimed = new Dictionary<(string, string, string), int>();
        foreach (var i in written)
        {
            if (_people[i] is not { } keys)
            {
                continue;
            }
            var type = _changes[i].Resource.TypeName;
            foreach (var (system, value) in keys)
            {
                var holders = _holders.GetValueOrDefault((type, system, value)) ?? [];
                if (!holders.Contains(ids[i]) && holders.Count > 0)
                {
                    throw new StoreRejectedException(StoreRejection.Conflict,
                        $"{string.Join(", ", holders.Order(StringComparer.Ordinal).Select(h => $"{type}/{h}"))} already has this identifier " +
                        $"(system '{SearchQueryParser.Shorten(system)}'): a second {type} with it would make matching by identifier ambiguous; update the existing one instead", i);
                }
                if (!claimed.TryAdd((type, system, value), i))
                {
                    throw new StoreRejectedException(StoreRejection.Conflict,
                        $"Entries {claimed[(type, system, value)]} and {i} would make two {type} resources with one identifier (system '{SearchQueryParser.Shorten(system)}')", i);
                }
            }
        }
    }

    /// <summary>Ids ordered as intake prefers them: oldest first version first, then by id.</summary>
    public static List<string> OldestFirst(IEnumerable<(string Id, long Created)> resources) =>
        [.. resources.OrderBy(r => r.Created).ThenBy(r => r.Id, StringComparer.Ordinal).Select(r => r.Id)];

    private static List<(string System, string Value)>? PersonKeys(Resource resource) =>
        IsPerson(resource.TypeName) && SearchParameterCatalog.Find(resource.TypeName, "identifier") is { } identifier
            ? [.. identifier.Extract(resource).Select(v => (v.System, v.Value)).Distinct()]
            : null;

    private IEnumerable<(string Type, string System, string Value)> Keys()
    {
        for (var i = 0; i < _changes.Count; i++)
        {
            var type = _changes[i].Resource.TypeName;
            if (_conditions[i] is { } condition)
            {
                yield return (type, condition.System, condition.Value);
            }
            foreach (var (system, value) in _people[i] ?? [])
            {
                yield return (type, system, value);
            }
        }
    }

    private static async Task<Dictionary<(string, string, string), List<string>>> HoldersAsync(DbConnection connection, DbTransaction transaction,
        List<(string Type, string System, string Value)> keys, CancellationToken cancellationToken)
    {
        var holders = new Dictionary<(string, string, string), List<string>>();
        foreach (var chunk in keys.Chunk(Chunk))
        {
            await using var command = connection.Command("", transaction);
            // param inside every OR term, so each term is an index lookup (SQLite's OR optimisation needs that).
            var terms = chunk.Select((k, n) =>
            {
                command.With($"t{n}", k.Type).With($"s{n}", k.System).With($"v{n}", k.Value);
                return $"(type = @t{n} AND param = 'identifier' AND val = @v{n} AND sys = @s{n})";
            }).ToList();
            command.CommandText = $"SELECT DISTINCT type, sys, val, id FROM search_index WHERE {SearchSql.Balanced(terms, "OR")}";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = (reader.GetString(0), reader.GetString(1), reader.GetString(2));
                (holders.TryGetValue(key, out var list) ? list : holders[key] = []).Add(reader.GetString(3));
            }
        }
        return holders;
    }

    private static async Task<List<string>> OldestFirstAsync(DbConnection connection, DbTransaction transaction, string type, List<string> ids,
        CancellationToken cancellationToken)
    {
        await using var command = connection.Command("", transaction);
        command.CommandText = "SELECT id, last_updated FROM resource_versions WHERE version = 1 AND "
            + DbCommands.ByTypeAndId(command, [.. ids.Select(id => (type, id))]);
        var created = ids.ToDictionary(id => id, _ => long.MaxValue, StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            created[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
        }
        return OldestFirst(created.Select(c => (c.Key, c.Value)));
    }
}

/// <summary>How a store treats the business identifiers of people (<see cref="IdentifierLookup"/>).</summary>
/// <param name="AllowDuplicatePersonIdentifiers">
/// True to store a second Patient or Practitioner with an identifier another one has (<see cref="StorageOptions"/>).
/// </param>
/// <param name="Logger">Where the choice among duplicates is logged (ids only).</param>
internal sealed record IdentifierRules(bool AllowDuplicatePersonIdentifiers, ILogger Logger)
{
    public static readonly IdentifierRules Default = new(false, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
}
