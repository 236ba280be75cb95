using Hl7.Fhir.Model;
using StmFhir.Exchange.Conflicts;
using StmFhir.Exchange.Store;
using StmFhir.Exchange.Targets;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Pull;

/// <summary>
/// Whether a pulled session may be stored, judged against what this target and the store last agreed on per resource
/// (table <c>target_version</c>; <c>Conflicts/CONFLICTS.md</c>): changed at the target and here since then is a
/// conflict, handled by the target's <see cref="ConflictPolicy"/>; changed here only, the target's copy is older than
/// ours and is not stored (our change is on its way there); otherwise it is stored, and what was agreed is recorded.
/// </summary>
/// <param name="target">The target pulled from.</param>
/// <param name="conflicts">The conflicts and agreed versions; null for a store that keeps none (then every session is stored).</param>
/// <param name="policy">The target's policy.</param>
/// <param name="store">The local store, for our current versions.</param>
/// <param name="unresolved">The target's unresolved conflicts at the start of the pull.</param>
internal sealed class PullConflicts(string target, ConflictStore? conflicts, ConflictPolicy policy, IResourceStore store, IReadOnlyList<ExchangeConflict> unresolved)
{
    private readonly Dictionary<string, ExchangeConflict> _byProcedure = unresolved.Where(c => c.TargetProcedureId is not null)
        .GroupBy(c => c.TargetProcedureId!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    /// <summary>The Procedures at the target whose conflict was decided for the target's version: the pull reads them first.</summary>
    public IReadOnlyList<string> DecidedTheirs => [.. _byProcedure.Values.Where(c => c.State == ConflictStates.Theirs).Select(c => c.TargetProcedureId!)];

    /// <summary>
    /// Judges the session of <paramref name="procedure"/> before it is committed: whether to commit it (then
    /// <see cref="RecordAsync"/> with the pairs), and if not, whether it is in conflict (recorded, or listed already) or
    /// the target's copy is only older than ours.
    /// </summary>
    public async Task<(bool Commit, bool Conflicted, IReadOnlyList<Pair> Pairs)> JudgeAsync(Procedure procedure, IReadOnlyList<Resource> related, ChangeSet changes,
        CancellationToken cancellationToken)
    {
        if (conflicts is null)
        {
            return (true, false, []);
        }
        var pairs = Pairs(procedure, related, changes);
        var keys = pairs.Select(p => (p.Type, p.Id)).ToList();
        var synced = await conflicts.ReadVersionsAsync(target, keys, cancellationToken).ConfigureAwait(false);
        var local = await store.ReadAllAsync(keys, cancellationToken).ConfigureAwait(false);
        pairs = [.. pairs.Select((p, i) => p with { LocalVersion = local[i]?.Version, Synced = synced.GetValueOrDefault((p.Type, p.Id)) })];
        if (_byProcedure.TryGetValue(procedure.Id!, out var decided) && decided.State == ConflictStates.Theirs)
        {
            return (true, false, pairs);
        }
        var theirsChanged = pairs.Any(p => p.Synced is { } s && p.TargetVersion is not null && p.TargetVersion != s.TargetVersion);
        var oursChanged = pairs.Any(p => p.Synced is { } s && p.LocalVersion is { } l && l != s.LocalVersion);
        if (!oursChanged || (theirsChanged && policy == ConflictPolicy.Theirs && !_byProcedure.ContainsKey(procedure.Id!)))
        {
            if (theirsChanged && oursChanged)
            {
                await AddAsync(procedure, pairs, ConflictStates.Resolved, ConflictSides.Theirs, cancellationToken).ConfigureAwait(false);
            }
            return (true, false, pairs);
        }
        if (!theirsChanged)
        {
            // Changed here only: the target's copy is what we had before, and our change is on its way there.
            return (false, false, pairs);
        }
        if (_byProcedure.ContainsKey(procedure.Id!))
        {
            // Already listed (read again by another scan, or changed again at the target): kept as it is.
            return (false, true, pairs);
        }
        if (policy == ConflictPolicy.Ours)
        {
            // The target's versions now are what our pending update expects: ours goes over them, still with If-Match.
            await conflicts.RecordVersionsAsync(target, [.. pairs.Where(p => p.TargetVersion is not null)
                .Select(p => new SyncRow(p.Type, p.Id, p.TargetId, p.TargetVersion!, p.Synced?.LocalVersion ?? 0))], cancellationToken).ConfigureAwait(false);
            await AddAsync(procedure, pairs, ConflictStates.Resolved, ConflictSides.Ours, cancellationToken).ConfigureAwait(false);
            return (false, false, pairs);
        }
        await AddAsync(procedure, pairs, ConflictStates.Open, null, cancellationToken).ConfigureAwait(false);
        return (false, true, pairs);
    }

    /// <summary>After a commit: records what the target and the store now agree on, and ends a conflict decided for the target's version.</summary>
    public async Task RecordAsync(Procedure procedure, IReadOnlyList<Pair> pairs, ChangeSet changes, CommitResult result, CancellationToken cancellationToken)
    {
        if (conflicts is null)
        {
            return;
        }
        var versions = changes.Changes.Select((c, i) => (c.Resource.TypeName, c.Resource.Id, result.Entries[i].Resource.Version))
            .Where(c => c.Id is not null).GroupBy(c => (c.TypeName, c.Id!)).ToDictionary(g => g.Key, g => g.Last().Version);
        var rows = pairs.Where(p => p.TargetVersion is not null && versions.ContainsKey((p.Type, p.Id)))
            .Select(p => new SyncRow(p.Type, p.Id, p.TargetId, p.TargetVersion!, versions[(p.Type, p.Id)]))
            .Where(r => pairs.First(p => p.Type == r.Type && p.Id == r.Id).Synced is not { } s
                || s.TargetId != r.TargetId || s.TargetVersion != r.TargetVersion || s.LocalVersion != r.LocalVersion)
            .ToList();
        await conflicts.RecordVersionsAsync(target, rows, cancellationToken).ConfigureAwait(false);
        if (_byProcedure.Remove(procedure.Id!, out var decided) && decided.State == ConflictStates.Theirs)
        {
            await conflicts.MarkTheirsStoredAsync(decided.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AddAsync(Procedure procedure, IReadOnlyList<Pair> pairs, string state, string? resolution, CancellationToken cancellationToken)
    {
        var localProcedure = pairs.FirstOrDefault(p => p.Type == nameof(Procedure))?.Id;
        var conflict = new NewConflict(target, ConflictDetectors.Pull, state, resolution, localProcedure, procedure.Id, null,
            [.. pairs.Select(p => new ConflictResource(p.Type, p.Id, p.LocalVersion, p.Synced?.LocalVersion, p.TargetId, p.TargetVersion, p.Synced?.TargetVersion))]);
        var id = await conflicts!.AddAsync(conflict, cancellationToken).ConfigureAwait(false);
        if (state != ConflictStates.Resolved)
        {
            _byProcedure[procedure.Id!] = new ExchangeConflict(id, target, ConflictDetectors.Pull, default, state, resolution, null,
                conflict.ProcedureId, conflict.TargetProcedureId, null, conflict.Resources);
        }
    }

    /// <summary>
    /// Each resource the session writes to a local id (people are matched, never overwritten, and left out) with its
    /// copy at the target: the same type and id (a target that keeps client ids), else the same first identifier.
    /// </summary>
    private static List<Pair> Pairs(Procedure procedure, IReadOnlyList<Resource> related, ChangeSet changes)
    {
        var atTarget = related.Prepend(procedure).Where(r => r.Id is not null).ToList();
        var byId = atTarget.GroupBy(r => (r.TypeName, r.Id!)).ToDictionary(g => g.Key, g => g.First());
        var byIdentifier = atTarget.Select(r => (Key: (r.TypeName, Identifier(r)), Resource: r)).Where(r => r.Key.Item2 is not null)
            .GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.First().Resource);
        var pairs = new List<Pair>();
        foreach (var change in changes.Changes.Where(c => c.Method == ChangeMethod.Update && c.Resource.Id is not null))
        {
            var resource = change.Resource;
            if ((byId.GetValueOrDefault((resource.TypeName, resource.Id!)) ?? byIdentifier.GetValueOrDefault((resource.TypeName, Identifier(resource)))) is { } there)
            {
                pairs.Add(new Pair(resource.TypeName, resource.Id!, there.Id!, there.Meta?.VersionId));
            }
        }
        return pairs;
    }

    private static string? Identifier(Resource resource) =>
        resource.EnumerateElements().Where(e => e.Key == "identifier").SelectMany(e => e.Value as IEnumerable<Identifier> ?? [])
            .FirstOrDefault(i => !string.IsNullOrEmpty(i.System) && !string.IsNullOrEmpty(i.Value)) is { } id ? $"{id.System}|{id.Value}" : null;

    /// <summary>One resource of a pulled session on both sides.</summary>
    internal sealed record Pair(string Type, string Id, string TargetId, string? TargetVersion)
    {
        public int? LocalVersion { get; init; }

        public SyncedVersion? Synced { get; init; }
    }
}
