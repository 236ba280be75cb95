using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StmFhir.Exchange.Client;
using StmFhir.Exchange.Delivery;
using StmFhir.Exchange.Storage;

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

    /// <summary>Claims and delivers one batch of due rows for <paramref name="target"/>; the number claimed.</summary>
    internal async Task<int> DispatchOnceAsync(string target, CancellationToken cancellationToken)
    {
        var claimedAt = time.GetUtcNow();
        var claims = await outbox.ClaimAsync(target, _options.BatchSize, claimedAt + _options.Lease, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < claims.Count; i++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                // Hand the rest back at once rather than leaving them to their leases.
                foreach (var rest in claims.Skip(i))
                {
                    await outbox.RescheduleAsync(rest, time.GetUtcNow(), "dispatcher stopped", CancellationToken.None).ConfigureAwait(false);
                }
                break;
            }
            // The batch's rows share the lease taken at the claim, but are delivered one after another: a row whose turn
            // comes late renews its lease first, and is skipped if the lease ran out and another dispatcher took the row
            // meanwhile (else both would deliver it).
            if (time.GetUtcNow() - claimedAt > _options.Lease / 3
                && !await outbox.RenewAsync(claims[i], time.GetUtcNow() + _options.Lease, cancellationToken).ConfigureAwait(false))
            {
                LogClaimLost(logger, claims[i].OutboxId, claims[i].Target);
                continue;
            }
            await DeliverAsync(claims[i], cancellationToken).ConfigureAwait(false);
        }
        return claims.Count;
    }

    private async Task DeliverAsync(OutboxClaim claim, CancellationToken cancellationToken)
    {
        DeliveryResult? result = null;
        Exception? error = null;
        var stopped = false;
        using (var delivering = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var keeper = KeepLeaseAsync(claim, delivering.Token);
            try
            {
                var bundle = await OutboxBundles.BuildAsync(store, claim.Payload, cancellationToken).ConfigureAwait(false);
                if (bundle.Entry.Count > 0)
                {
                    result = await deliverer.DeliverAsync(new DeliveryRequest(claim.Target, bundle) { SourceId = $"outbox/{claim.OutboxId}" }, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                stopped = true;
            }
            catch (Exception e)
            {
                error = e;
            }
            finally
            {
                // The lease is kept only while the delivery runs; what follows records the outcome and ends the claim.
                await delivering.CancelAsync().ConfigureAwait(false);
                await keeper.ConfigureAwait(false);
            }
        }

        if (stopped)
        {
            await outbox.RescheduleAsync(claim, time.GetUtcNow(), "dispatcher stopped", CancellationToken.None).ConfigureAwait(false);
        }
        else if (error is not null)
        {
            LogRowFailed(logger, claim.OutboxId, claim.Target, error);
            await outbox.RescheduleAsync(claim, time.GetUtcNow() + _options.BackOff(claim.Attempts), error.GetType().Name + ": " + error.Message, CancellationToken.None).ConfigureAwait(false);
        }
        else if (result is null)
        {
            await outbox.MarkDeliveredAsync(claim, [], CancellationToken.None).ConfigureAwait(false);
        }
        else if (result.Succeeded)
        {
            var resources = result.Resources.Concat(result.Provenance is { } p ? [p] : [])
                .Select(r => new OutboxDeliveredResource(r.ResourceType, r.Source, r.TargetId, r.VersionId, r.Change.ToString().ToLowerInvariant()))
                .ToList();
            await outbox.MarkDeliveredAsync(claim, resources, CancellationToken.None).ConfigureAwait(false);
        }
        else if (result.Failure!.IsTransient)
        {
            var next = time.GetUtcNow() + _options.BackOff(claim.Attempts);
            LogTransient(logger, claim.OutboxId, claim.Target, result.Failure.HttpStatus, claim.Attempts, next);
            await outbox.RescheduleAsync(claim, next, result.Failure.Message, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            LogDead(logger, claim.OutboxId, claim.Target, result.Failure.HttpStatus);
            var outcome = result.Failure.Outcome is { } o ? ResourceJson.Serialize(o) : null;
            await outbox.DeadLetterAsync(claim, result.Failure.Message, result.Failure.HttpStatus, outcome, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Renews the claim's lease every third of <see cref="OutboxOptions.Lease"/> until <paramref name="cancellationToken"/>
    /// fires, so that a delivery slower than the lease (a slow target, retries) is not taken and delivered a second time by
    /// another dispatcher. Never throws: if renewing fails, the lease runs out and the row may be delivered twice, which the
    /// idempotent delivery tolerates.
    /// </summary>
    private async Task KeepLeaseAsync(OutboxClaim claim, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(_options.Lease / 3, time, cancellationToken).ConfigureAwait(false);
                if (!await outbox.RenewAsync(claim, time.GetUtcNow() + _options.Lease, cancellationToken).ConfigureAwait(false))
                {
                    LogClaimLost(logger, claim.OutboxId, claim.Target);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The delivery ended.
        }
        catch (Exception e)
        {
            LogRenewFailed(logger, claim.OutboxId, claim.Target, e);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox row {OutboxId} for target {Target}: lease not renewed")]
    private static partial void LogRenewFailed(ILogger logger, long outboxId, string target, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox row {OutboxId} for target {Target}: refused permanently (status {HttpStatus}); dead-lettered")]
    private static partial void LogDead(ILogger logger, long outboxId, string target, int? httpStatus);
}
