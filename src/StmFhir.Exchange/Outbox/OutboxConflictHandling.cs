using Hl7.Fhir.Utility;
using Microsoft.Extensions.Logging;
using StmFhir.Exchange.Conflicts;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Store;
using StmFhir.Exchange.Targets;
using Bundle = Hl7.Fhir.Model.Bundle;

namespace StmFhir.Exchange.Outbox;

/// <summary>The dispatcher's part in conflicts (<c>Conflicts/CONFLICTS.md</c>): rows held by a conflict, the versions updates expect, and a 412 recorded as a conflict.</summary>
internal sealed partial class OutboxConflictHandling(IResourceStore store, IOutboxStore outbox, IFhirTargets targets, TimeProvider time, ILogger logger)
{
    private ConflictStore? Conflicts => ConflictResourceStoreExtensions.Find(store);

    private OutboxStore OutboxStore => outbox as OutboxStore ?? throw new InvalidOperationException("The dispatcher needs the store's own outbox");

    /// <summary>
    /// The claims to deliver: a row that touches a resource of an unresolved conflict with this target is held under it
    /// (open), or marked delivered unsent (decided for the target's version, which the next pull brings here).
    /// </summary>
    public async Task<IReadOnlyList<OutboxClaim>> SetAsideConflictedAsync(string target, IReadOnlyList<OutboxClaim> claims, CancellationToken cancellationToken)
    {
        if (Conflicts is not { } conflicts
            || await conflicts.ListAsync(target, cancellationToken: cancellationToken).ConfigureAwait(false) is not { Count: > 0 } unresolved)
        {
            return claims;
        }
        var byResource = new Dictionary<(string, string), ExchangeConflict>();
        foreach (var conflict in unresolved)
        {
            foreach (var resource in conflict.Resources)
            {
                byResource.TryAdd((resource.ResourceType, resource.Id), conflict);
            }
        }
        var rest = new List<OutboxClaim>(claims.Count);
        foreach (var claim in claims)
        {
            var hit = claim.Payload.Resources.Select(r => byResource.GetValueOrDefault((r.Type, r.Id))).FirstOrDefault(c => c is not null);
            if (hit is null)
            {
                rest.Add(claim);
            }
            else if (hit.State == ConflictStates.Open)
            {
                LogHeld(logger, claim.OutboxId, target, hit.Id);
                await OutboxStore.HoldAsync(claim, null, hit.Id, $"held by conflict {hit.Id} (stmfhir outbox resolve {hit.Id} --ours|--theirs)", null, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await OutboxStore.SupersedeAsync(claim, null, $"not sent: the target's version won conflict {hit.Id}", CancellationToken.None).ConfigureAwait(false);
            }
        }
        return rest;
    }

    /// <summary>
    /// Per row, what this target and the store last agreed on for its resources written to their ids, and from it the
    /// versions their updates expect (<see cref="DeliveryRequest.ExpectedVersions"/>); null when every row is a first
    /// delivery of new resources, which cannot have been agreed on (one query saved on the common path).
    /// </summary>
    public async Task<(IReadOnlyDictionary<string, string> Expected, IReadOnlyDictionary<(string, string), SyncedVersion> Synced)[]?> AgreedVersionsAsync(
        string target, List<(OutboxClaim Claim, Bundle Bundle)> ready, CancellationToken cancellationToken)
    {
        if (Conflicts is not { } conflicts || ready.All(r => OutboxDispatcher.IsNew(r.Claim)))
        {
            return null;
        }
        var keys = ready.Select(r => Written(r.Bundle)).ToList();
        var synced = await conflicts.ReadVersionsAsync(target, [.. keys.SelectMany(k => k).Distinct()], cancellationToken).ConfigureAwait(false);
        return [.. keys.Select(rowKeys =>
        {
            var mine = rowKeys.Where(synced.ContainsKey).ToDictionary(k => k, k => synced[k]);
            return ((IReadOnlyDictionary<string, string>)mine.ToDictionary(k => $"{k.Key.Type}/{k.Key.Id}", k => k.Value.TargetVersion, StringComparer.Ordinal),
                (IReadOnlyDictionary<(string, string), SyncedVersion>)mine.ToDictionary(k => (k.Key.Type, k.Key.Id), k => k.Value));
        })];
    }

    private static List<(string Type, string Id)> Written(Bundle bundle) =>
        [.. bundle.Entry.Where(e => e.Request?.Method == Bundle.HTTPVerb.PUT && e.Resource?.Id is not null).Select(e => (e.Resource!.TypeName, e.Resource.Id!))];

    /// <summary>A 412: the target changed resources of this row since they were agreed on. What follows is the target's policy.</summary>
    public async Task RecordConflictAsync(string target, OutboxClaim claim, Bundle bundle, DeliveryFailure failure,
        IReadOnlyDictionary<(string, string), SyncedVersion>? synced)
    {
        var localVersions = bundle.Entry.Where(e => e.FullUrl is not null)
            .ToDictionary(e => e.FullUrl!, e => int.TryParse(e.Resource?.Meta?.VersionId, out var v) ? v : (int?)null, StringComparer.Ordinal);
        var resources = failure.Conflicts.Select(c =>
        {
            var id = c.Source.Split('/')[^1];
            return new ConflictResource(c.ResourceType, id, localVersions.GetValueOrDefault(c.Source), synced?.GetValueOrDefault((c.ResourceType, id))?.LocalVersion,
                c.TargetId, c.CurrentVersion, c.ExpectedVersion);
        }).ToList();
        var procedure = SessionProcedure(bundle, failure);
        var policy = targets.GetOptions(target).ConflictPolicy;
        LogConflict(logger, claim.OutboxId, target, resources.Count, policy);
        switch (policy)
        {
            case ConflictPolicy.Ours:
                // The target's versions now are what the next attempt expects: ours goes over them, still with If-Match.
                await Conflicts!.RecordVersionsAsync(target, [.. resources.Where(r => r.TargetVersion is not null)
                    .Select(r => new SyncRow(r.ResourceType, r.Id, r.TargetId!, r.TargetVersion!, r.SyncedLocalVersion ?? 0))], CancellationToken.None).ConfigureAwait(false);
                await Conflicts.AddAsync(new NewConflict(target, ConflictDetectors.Push, ConflictStates.Resolved, ConflictSides.Ours, procedure, procedure, claim.OutboxId, resources),
                    CancellationToken.None).ConfigureAwait(false);
                await outbox.RescheduleAsync(claim, time.GetUtcNow(), failure.Message, CancellationToken.None).ConfigureAwait(false);
                break;
            case ConflictPolicy.Theirs:
                await OutboxStore.SupersedeAsync(claim, new NewConflict(target, ConflictDetectors.Push, ConflictStates.Theirs, ConflictSides.Theirs, procedure, procedure,
                    claim.OutboxId, resources), failure.Message, CancellationToken.None).ConfigureAwait(false);
                break;
            default:
                await OutboxStore.HoldAsync(claim, new NewConflict(target, ConflictDetectors.Push, ConflictStates.Open, null, procedure, procedure, claim.OutboxId, resources),
                    0, failure.Message, failure.HttpStatus, CancellationToken.None).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>The session's Procedure (local id, also the target's: only PUTs to stored ids carry If-Match): in the row, or referred to by a conflicting resource.</summary>
    private static string? SessionProcedure(Bundle bundle, DeliveryFailure failure)
    {
        if (bundle.Entry.FirstOrDefault(e => e.Resource?.TypeName == "Procedure")?.Resource?.Id is { } id)
        {
            return id;
        }
        var conflicting = failure.Conflicts.Select(c => c.Source).ToHashSet(StringComparer.Ordinal);
        return bundle.Entry.Where(e => conflicting.Contains(e.FullUrl ?? "")).Concat(bundle.Entry)
            .Select(e => e.Resource?.Annotation<SerializedResource>() is { } json ? DeliveryBundleWriter.References(json.Utf8Json) : [])
            .SelectMany(r => r).FirstOrDefault(r => r.StartsWith("Procedure/", StringComparison.Ordinal))?["Procedure/".Length..];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox row {OutboxId} for target {Target}: {Count} resources changed at the target too (412); conflict policy {Policy}")]
    private static partial void LogConflict(ILogger logger, long outboxId, string target, int count, ConflictPolicy policy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox row {OutboxId} for target {Target}: held by conflict {ConflictId}")]
    private static partial void LogHeld(ILogger logger, long outboxId, string target, long conflictId);
}
