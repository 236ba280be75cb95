using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Store;
using StmFhir.Exchange.Targets;
using StmFhir.Exchange.Telemetry;
using Bundle = Hl7.Fhir.Model.Bundle;

namespace StmFhir.Exchange.Outbox;

/// <summary>
/// Pushes outbox rows to every configured target: claims due rows per target (leased, so a dead process's rows are
/// retaken), builds each row's transaction Bundle from the stored current versions, delivers it, and records the result:
/// delivered; a transient failure is rescheduled with a doubling back-off; a permanent one is dead-lettered with the
/// target's OperationOutcome until replayed. Rows are independent: a failing row never holds up the rows behind it.
/// </summary>
internal sealed partial class OutboxDispatcher(
    IResourceStore store, IOutboxStore outbox, IFhirTargets targets, IFhirDeliverer deliverer,
    IOptions<OutboxOptions> options, TimeProvider time, ILogger<OutboxDispatcher> logger) : BackgroundService
{
    private readonly OutboxOptions _options = options.Value;
    private readonly OutboxConflictHandling _conflicts = new(store, outbox, targets, time, logger);
    private readonly OutboxDeletes _deletes = new(store, outbox, deliverer);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Read every target's CapabilityStatement at start (recorded and logged by the targets); a target that does not
        // answer yet is probed again on its first delivery.
        await Task.WhenAll(targets.Names.Select(target => ProbeAsync(target, stoppingToken))).ConfigureAwait(false);
        while (!stoppingToken.IsCancellationRequested)
        {
            var busy = false;
            foreach (var target in targets.Names)
            {
                try
                {
                    busy |= await DispatchOnceAsync(target, stoppingToken).ConfigureAwait(false) >= _options.BatchSize;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogPollFailed(logger, target, e);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            if (!busy)
            {
                try
                {
                    await Task.Delay(_options.PollInterval, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ProbeAsync(string target, CancellationToken cancellationToken)
    {
        try
        {
            await targets.ProbeAsync(target, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogProbeFailed(logger, target, e.Message);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>
    /// Claims and delivers one batch of due rows for <paramref name="target"/>; the number claimed. The rows' Bundles go
    /// to the deliverer together, so they share its batch of reads and conditional creates; each row still has its own
    /// transactions, result and Provenance.
    /// </summary>
    internal async Task<int> DispatchOnceAsync(string target, CancellationToken cancellationToken)
    {
        var claimedAt = time.GetUtcNow();
        var claimed = await outbox.ClaimAsync(target, _options.BatchSize, claimedAt + _options.Lease, cancellationToken).ConfigureAwait(false);
        if (claimed.Count == 0)
        {
            return 0;
        }
        // Rows of a session in conflict with this target are held (or, the target's version having won, not sent).
        var claims = await _conflicts.SetAsideConflictedAsync(target, claimed, cancellationToken).ConfigureAwait(false);
        // Deletes first: the other rows are built from the current versions, which a delete's row must not follow.
        await _deletes.DeliverAsync(target, claims, RecordFailureAsync, cancellationToken).ConfigureAwait(false);
        claims = [.. claims.Where(c => !OutboxDeletes.IsDelete(c))];
        if (claims.Count > 0
            && await BuildAsync(claims, cancellationToken).ConfigureAwait(false) is { } built
            && await ReadyAsync(claims, built, claimedAt).ConfigureAwait(false) is { Count: > 0 } ready)
        {
            await DeliverAsync(target, ready, cancellationToken).ConfigureAwait(false);
        }
        return claimed.Count;
    }

    /// <summary>
    /// All rows' Bundles from two reads of the store (resources, then people), not two per row; null when the rows were
    /// handed back (stopping) or rescheduled (the store failed).
    /// </summary>
    private async Task<IReadOnlyList<(Bundle? Bundle, Exception? Error)>?> BuildAsync(IReadOnlyList<OutboxClaim> claims, CancellationToken cancellationToken)
    {
        IReadOnlyList<(Bundle? Bundle, Exception? Error)> built;
        try
        {
            built = await OutboxBundles.BuildAllAsync(store, [.. claims.Select(c => c.Payload)], cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await HandBackAsync(claims).ConfigureAwait(false);
            return null;
        }
        catch (Exception e)
        {
            foreach (var claim in claims)
            {
                await RetryLaterAsync(claim, e).ConfigureAwait(false);
            }
            return null;
        }
        if (cancellationToken.IsCancellationRequested)
        {
            await HandBackAsync(claims).ConfigureAwait(false);
            return null;
        }
        return built;
    }

    /// <summary>
    /// The rows to deliver: rows reached late (slow reads) renew their leases first, and a row is skipped if its lease ran
    /// out and another dispatcher took it meanwhile (else both would deliver it); a row whose Bundle could not be built
    /// is rescheduled, one with nothing to send is delivered at once.
    /// </summary>
    private async Task<List<(OutboxClaim Claim, Bundle Bundle)>> ReadyAsync(IReadOnlyList<OutboxClaim> claims,
        IReadOnlyList<(Bundle? Bundle, Exception? Error)> built, DateTimeOffset claimedAt)
    {
        var late = time.GetUtcNow() - claimedAt > _options.Lease / 3;
        var ready = new List<(OutboxClaim Claim, Bundle Bundle)>(claims.Count);
        for (var i = 0; i < claims.Count; i++)
        {
            if (late && !await outbox.RenewAsync(claims[i], time.GetUtcNow() + _options.Lease, CancellationToken.None).ConfigureAwait(false))
            {
                LogClaimLost(logger, claims[i].OutboxId, claims[i].Target);
            }
            else if (built[i].Error is { } error)
            {
                // Only this row: one unreadable stored resource does not hold up the others.
                await RetryLaterAsync(claims[i], error).ConfigureAwait(false);
            }
            else if (built[i].Bundle!.Entry.Count == 0)
            {
                await outbox.MarkDeliveredAsync(claims[i], [], CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                ready.Add((claims[i], built[i].Bundle!));
            }
        }
        return ready;
    }

    /// <summary>Delivers the rows' Bundles while keeping their leases, then records each row's result.</summary>
    private async Task DeliverAsync(string target, List<(OutboxClaim Claim, Bundle Bundle)> ready, CancellationToken cancellationToken)
    {
        IReadOnlyList<DeliveryResult> results;
        var agreed = await _conflicts.AgreedVersionsAsync(target, ready, cancellationToken).ConfigureAwait(false);
        using var span = ExchangeTelemetry.StartDelivery(target, [.. ready.Select(r => r.Claim.TraceParent)]);
        var started = time.GetTimestamp();
        using (var delivering = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            // The leases are kept only while the delivery runs; what follows records the outcome and ends the claims.
            var keeper = new OutboxLeaseKeeper(outbox, _options, time, logger).KeepAsync(target, [.. ready.Select(r => r.Claim)], delivering.Token);
            try
            {
                results = await deliverer.DeliverAllAsync(
                    [.. ready.Select((r, i) => new DeliveryRequest(target, r.Bundle)
                    {
                        SourceId = $"outbox/{r.Claim.OutboxId}", NewAtTarget = IsNew(r.Claim), ExpectedVersions = agreed?[i].Expected,
                    })],
                    cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await HandBackAsync(ready.Select(r => r.Claim)).ConfigureAwait(false);
                return;
            }
            catch (Exception e)
            {
                ExchangeTelemetry.Delivered(target, time.GetElapsedTime(started), ready.Select(_ => "error"));
                foreach (var (claim, _) in ready)
                {
                    await RetryLaterAsync(claim, e).ConfigureAwait(false);
                }
                return;
            }
            finally
            {
                await delivering.CancelAsync().ConfigureAwait(false);
                await keeper.ConfigureAwait(false);
            }
        }
        ExchangeTelemetry.Delivered(target, time.GetElapsedTime(started), results.Select(r => r.Failure switch
        {
            null => "delivered", { Kind: DeliveryFailureKind.Conflict } => "conflict", { IsTransient: true } => "transient", _ => "dead",
        }));
        // Every delivered row in one commit; failures (rare) one by one.
        await outbox.MarkDeliveredAsync(
            [.. ready.Zip(results).Where(r => r.Second.Succeeded).Select(r => (r.First.Claim, Delivered(r.Second, r.First.Bundle)))], CancellationToken.None).ConfigureAwait(false);
        for (var i = 0; i < ready.Count; i++)
        {
            if (results[i].Failure is { Kind: DeliveryFailureKind.Conflict } conflict)
            {
                await _conflicts.RecordConflictAsync(target, ready[i].Claim, ready[i].Bundle, conflict, agreed?[i].Synced).ConfigureAwait(false);
            }
            else if (results[i].Failure is { } failure)
            {
                await RecordFailureAsync(ready[i].Claim, failure).ConfigureAwait(false);
            }
        }
    }

    /// <summary>What became of each resource; for those written to their stored id, the local version delivered.</summary>
    private static IReadOnlyList<OutboxDeliveredResource> Delivered(DeliveryResult result, Bundle bundle)
    {
        var sent = bundle.Entry.Where(e => e.Request?.Method == Bundle.HTTPVerb.PUT && e.FullUrl is not null)
            .ToDictionary(e => e.FullUrl!, e => int.TryParse(e.Resource?.Meta?.VersionId, out var v) ? v : (int?)null, StringComparer.Ordinal);
        return [.. result.Resources.Concat(result.Provenance is { } p ? [p] : [])
            .Select(r => new OutboxDeliveredResource(r.ResourceType, r.Source, r.TargetId, r.VersionId, r.Change.ToString().ToLowerInvariant(), sent.GetValueOrDefault(r.Source)))];
    }

    /// <summary>
    /// A row's first attempt whose resources are all at their first version: the commit that created them wrote this
    /// row, and no attempt sent them anywhere yet, so the deliverer need not read their versions at the target (a killed
    /// or failed attempt makes the next one the second; a replay starts again at the first, and then reports what its
    /// dead-lettered attempt wrote as Created, which that row's delivery did).
    /// </summary>
    internal static bool IsNew(OutboxClaim claim) => claim.Attempts == 1 && claim.Payload.Resources.All(r => r.Version == 1);

    // Hands rows back at once rather than leaving them to their leases.
    private async Task HandBackAsync(IEnumerable<OutboxClaim> claims)
    {
        foreach (var claim in claims)
        {
            await outbox.RescheduleAsync(claim, time.GetUtcNow(), "dispatcher stopped", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task RetryLaterAsync(OutboxClaim claim, Exception e)
    {
        LogRowFailed(logger, claim.OutboxId, claim.Target, e);
        await outbox.RescheduleAsync(claim, time.GetUtcNow() + _options.BackOff(claim.Attempts), e.GetType().Name + ": " + e.Message, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task RecordFailureAsync(OutboxClaim claim, DeliveryFailure failure)
    {
        if (failure.IsTransient)
        {
            var next = time.GetUtcNow() + _options.BackOff(claim.Attempts);
            LogTransient(logger, claim.OutboxId, claim.Target, failure.HttpStatus, claim.Attempts, next);
            await outbox.RescheduleAsync(claim, next, failure.Message, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            LogDead(logger, claim.OutboxId, claim.Target, failure.HttpStatus);
            var outcome = failure.Outcome is { } o ? ResourceJson.Serialize(o) : null;
            await outbox.DeadLetterAsync(claim, failure.Message, failure.HttpStatus, outcome, CancellationToken.None).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Target {Target}: capabilities not read at start ({Reason}); read again on first delivery")]
    private static partial void LogProbeFailed(ILogger logger, string target, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox poll for target {Target} failed")]
    private static partial void LogPollFailed(ILogger logger, string target, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox row {OutboxId} for target {Target} failed; retried later")]
    private static partial void LogRowFailed(ILogger logger, long outboxId, string target, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox row {OutboxId} for target {Target}: transient failure (status {HttpStatus}), attempt {Attempts}; next at {NextAttemptAt}")]
    private static partial void LogTransient(ILogger logger, long outboxId, string target, int? httpStatus, int attempts, DateTimeOffset nextAttemptAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox row {OutboxId} for target {Target}: lease ran out and another dispatcher took the row; left to it")]
    private static partial void LogClaimLost(ILogger logger, long outboxId, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox row {OutboxId} for target {Target}: refused permanently (status {HttpStatus}); dead-lettered")]
    private static partial void LogDead(ILogger logger, long outboxId, string target, int? httpStatus);
}
