using System.Data.Common;
using Hl7.Fhir.Model;

namespace StmFhir.Exchange.Store;

/// <summary>
/// Applies one change set inside an open write transaction (see <see cref="IResourceStore.CommitAsync"/>). The same code
/// runs on every database, so idempotence, conditional create and versioning behave the same everywhere.
/// </summary>
/// <remarks>
/// Writers are serialised (SQLite has one writer; PostgreSQL writers of the same rows queue on locks), so the time spent
/// here bounds ingest throughput: the database is asked a fixed number of questions per change set, not per resource
/// (one lookup of all conditional identifiers, one of all current versions, one batch of writes).
/// </remarks>
internal sealed partial class ChangeSetWriter(DbConnection connection, DbTransaction transaction, StoreDialect dialect, long now, IdentifierRules rules,
    IReadOnlyList<IStoreExtension> extensions)
{
    internal sealed record Current(int Version, string Hash);

    /// <param name="set">The changes.</param>
    /// <param name="prepared">Their content work done ahead (<see cref="PreparedChange.PrepareAll"/>), or nulls.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async Task<CommitResult> WriteAsync(ChangeSet set, PreparedChange?[] prepared, CancellationToken cancellationToken)
    {
        var changes = set.Changes;
        var conditions = new (string System, string Value)?[changes.Count];
        for (var i = 0; i < changes.Count; i++)
        {
            conditions[i] = ChangeRules.Check(changes[i], i);
        }
        ChangeRules.CheckNoDuplicateUpdates(changes);
        var identifiers = new IdentifierLookup(changes, conditions, rules);
        await dialect.LockAsync(connection, transaction, LockKeys(changes, identifiers), cancellationToken).ConfigureAwait(false);

        // Resolve every id first, so references between the changes can be rewritten before anything is hashed or written.
        var matches = await identifiers.MatchAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var current = await CurrentAsync(CandidateKeys(changes, matches), cancellationToken).ConfigureAwait(false);
        var (ids, matched, targets) = AssignIds(changes, matches, current);
        var (rewrites, remapped) = Rewrites(changes, targets);
        var (outcomes, toWrite) = Decide(changes, prepared, ids, matched, current, rewrites, remapped);
        identifiers.CheckNoNewDuplicates(toWrite.Select(w => w.Index), ids);

        var stored = await ReadStoredAsync([.. Enumerable.Range(0, changes.Count)
            .Where(i => outcomes[i] is ChangeOutcome.Matched or ChangeOutcome.Unchanged)
            .Select(i => (changes[i].Resource.TypeName, ids[i]))], cancellationToken).ConfigureAwait(false);
        var written = await WriteVersionsAsync(toWrite, current, cancellationToken).ConfigureAwait(false);
        foreach (var (_, resource) in written)
        {
            stored[(resource.Type, resource.Id)] = resource;
        }

        var outboxId = written.Count > 0
            ? await WriteExtensionsAsync(new CommitContext(connection, transaction, now, set, [.. written.Select(w => w.Resource)]), cancellationToken).ConfigureAwait(false)
            : null;
        var entries = new CommittedEntry[changes.Count];
        for (var i = 0; i < changes.Count; i++)
        {
            entries[i] = new CommittedEntry(stored.TryGetValue((changes[i].Resource.TypeName, ids[i]), out var resource)
                ? resource
                : throw new InvalidOperationException("A current version has no JSON."), outcomes[i]);
        }
        return new CommitResult(entries, outboxId);
    }

    /// <summary>
    /// The id of each change (an update's own, a conditional create's match, else a new one), which creates matched, and
    /// each fullUrl's <c>Type/id</c>.
    /// </summary>
    private static (string[] Ids, bool[] Matched, Dictionary<string, string> Targets) AssignIds(IReadOnlyList<Change> changes,
        Dictionary<int, string> matches, Dictionary<(string, string), Current> current)
    {
        var ids = new string[changes.Count];
        var matched = new bool[changes.Count];
        var taken = changes.Where(c => c.Method == ChangeMethod.Update).Select(c => (c.Resource.TypeName, c.Resource.Id!)).ToHashSet();
        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            var type = change.Resource.TypeName;
            if (change.Method == ChangeMethod.Update)
            {
                ids[i] = change.Resource.Id!;
            }
            else if (matches.TryGetValue(i, out var existing))
            {
                ids[i] = existing;
                matched[i] = true;
            }
            else
            {
                // A create keeps the UUID of its urn:uuid fullUrl (the mapper's deterministic id) when that id is free.
                ids[i] = ChangeRules.UrnUuid(change.FullUrl) is { } candidate && !current.ContainsKey((type, candidate)) && !taken.Contains((type, candidate))
                    ? candidate
                    : Guid.NewGuid().ToString();
            }
            taken.Add((type, ids[i]));
            if (change.FullUrl is { } fullUrl)
            {
                targets[fullUrl] = $"{type}/{ids[i]}";
            }
        }
        return (ids, matched, targets);
    }

    /// <summary>
    /// The reference rewrites: every fullUrl to its <c>Type/id</c>, and, where the database gave other ids than the
    /// changes assumed (<see cref="PreparedChange.AssumedTargets"/>), each assumed id to the given one (then remapped is true).
    /// </summary>
    private static (Dictionary<string, string> Rewrites, bool Remapped) Rewrites(IReadOnlyList<Change> changes, Dictionary<string, string> targets)
    {
        var assumed = PreparedChange.AssumedTargets(changes);
        var remap = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (fullUrl, target) in targets)
        {
            var expected = assumed.GetValueOrDefault(fullUrl);
            if (expected != target)
            {
                remap[expected ?? fullUrl] = target;
            }
        }
        // One pass rewrites both kinds of reference: to a fullUrl (placeholder or absolute) and to an assumed id the
        // database did not give. Each reference is looked up once, so no rewrite can feed another.
        var rewrites = remap.Count == 0 ? targets : new Dictionary<string, string>(targets, StringComparer.Ordinal);
        foreach (var (from, to) in remap)
        {
            rewrites[from] = to;
        }
        return (rewrites, remap.Count > 0);
    }

    /// <summary>
    /// What each change does (matched, unchanged, created, updated) and the versions to write, with references rewritten
    /// and content prepared again where the ids differ from those assumed; checks If-Match.
    /// </summary>
    private static (ChangeOutcome[] Outcomes, List<(int Index, Resource Resource, int Version, PreparedChange Prepared)> ToWrite) Decide(
        IReadOnlyList<Change> changes, PreparedChange?[] prepared, string[] ids, bool[] matched, Dictionary<(string, string), Current> current,
        Dictionary<string, string> rewrites, bool remapped)
    {
        var outcomes = new ChangeOutcome[changes.Count];
        var toWrite = new List<(int Index, Resource Resource, int Version, PreparedChange Prepared)>();
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            var type = change.Resource.TypeName;
            if (matched[i])
            {
                outcomes[i] = ChangeOutcome.Matched;
                continue;
            }
            var resource = change.Resource;
            if (remapped || prepared[i] is not { } ready || ready.AssumedId != ids[i])
            {
                ReferenceRewriter.Rewrite(resource, rewrites);
                ready = PreparedChange.Prepare(resource, ids[i]);
            }
            var state = change.Method == ChangeMethod.Update ? current.GetValueOrDefault((type, ids[i])) : null;
            var version = state?.Version ?? 0;
            if (change.IfMatchVersion is { } expected && expected != version)
            {
                throw new StoreRejectedException(StoreRejection.PreconditionFailed,
                    $"{type}/{ids[i]}: If-Match names version {expected}, but the current version is {(version == 0 ? "none" : version)}", i);
            }
            if (state is not null && ready.Hash == state.Hash)
            {
                outcomes[i] = ChangeOutcome.Unchanged;
                continue;
            }
            // Writing a deleted resource again (its current state has no hash) creates it anew, with the next version.
            outcomes[i] = version == 0 || state!.Hash.Length == 0 ? ChangeOutcome.Created : ChangeOutcome.Updated;
            toWrite.Add((i, resource, version + 1, ready));
        }
        return (outcomes, toWrite);
    }

    private static List<string> LockKeys(IReadOnlyList<Change> changes, IdentifierLookup identifiers)
    {
        var keys = new List<string>(identifiers.LockKeys());
        foreach (var change in changes)
        {
            if (change.Method == ChangeMethod.Update)
            {
                keys.Add($"r|{change.Resource.TypeName}|{change.Resource.Id}");
            }
        }
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    private async Task<List<(int Index, StoredResource Resource)>> WriteVersionsAsync(List<(int Index, Resource Resource, int Version, PreparedChange Prepared)> writes,
        Dictionary<(string, string), Current> current, CancellationToken cancellationToken)
    {
        const string insertVersion = "INSERT INTO resource_versions (type, id, version, last_updated, json) VALUES (@p0, @p1, @p2, @p3, @p4)";
        const string upsertCurrent = """
            INSERT INTO resources (type, id, version, last_updated, content_hash) VALUES (@p0, @p1, @p2, @p3, @p4)
            ON CONFLICT (type, id) DO UPDATE SET version = excluded.version, last_updated = excluded.last_updated, content_hash = excluded.content_hash
            """;
        const string deleteIndex = "DELETE FROM search_index WHERE type = @p0 AND id = @p1";
        const string insertIndex = "INSERT INTO search_index (type, id, param, sys, val, lo, hi) VALUES (@p0, @p1, @p2, @p3, @p4, @p5, @p6)";

        var result = new List<(int, StoredResource)>(writes.Count);
        var lastUpdated = DateTimeOffset.FromUnixTimeMilliseconds(now);
        await using var rows = new RowWriter(connection, transaction);
        foreach (var (index, resource, version, prepared) in writes)
        {
            var json = ResourceJson.Stamp(prepared.Json, resource, version, lastUpdated);
            var hash = prepared.Hash;
            var type = resource.TypeName;
            var id = resource.Id!;
            await rows.AddAsync(insertVersion, [type, id, version, now, json], cancellationToken).ConfigureAwait(false);
            await rows.AddAsync(upsertCurrent, [type, id, version, now, hash], cancellationToken).ConfigureAwait(false);
            if (current.GetValueOrDefault((type, id)) is { Hash.Length: 0 })
            {
                await rows.AddAsync("DELETE FROM deleted_resources WHERE type = @p0 AND id = @p1", [type, id], cancellationToken).ConfigureAwait(false);
            }
            else if (version > 1)
            {
                await rows.AddAsync(deleteIndex, [type, id], cancellationToken).ConfigureAwait(false);
            }
            foreach (var (param, value) in prepared.Index)
            {
                await rows.AddAsync(insertIndex, [type, id, param, value.System, value.Value, value.Low, value.High], cancellationToken).ConfigureAwait(false);
            }
            result.Add((index, new StoredResource(type, id, version, lastUpdated, json)));
        }
        await rows.FlushAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Lets every extension write its rows in this transaction (the outbox its row); the first row id one gives.</summary>
    private async Task<long?> WriteExtensionsAsync(CommitContext commit, CancellationToken cancellationToken)
    {
        long? id = null;
        foreach (var extension in extensions)
        {
            var written = await extension.WriteWithCommitAsync(commit, cancellationToken).ConfigureAwait(false);
            id ??= written;
        }
        return id;
    }
}
