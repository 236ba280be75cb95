using Microsoft.Extensions.Logging;

namespace StmFhir.Exchange.Outbox;

/// <summary>Keeps the leases of the rows one delivery holds, for as long as it runs (<see cref="OutboxDispatcher"/>).</summary>
internal sealed partial class OutboxLeaseKeeper(IOutboxStore outbox, OutboxOptions options, TimeProvider time, ILogger logger)
{
    /// <summary>
    /// Renews the claims' leases every third of <see cref="OutboxOptions.Lease"/> until <paramref name="cancellationToken"/>
    /// fires, so that a delivery slower than the lease (a slow target, retries) is not taken and delivered a second time by
    /// another dispatcher. Never throws: if renewing fails, the lease runs out and the row may be delivered twice, which the
    /// idempotent delivery tolerates.
    /// </summary>
    public async Task KeepAsync(string target, List<OutboxClaim> claims, CancellationToken cancellationToken)
    {
        try
        {
            while (claims.Count > 0)
            {
                await Task.Delay(options.Lease / 3, time, cancellationToken).ConfigureAwait(false);
                foreach (var claim in claims.ToList())
                {
                    if (!await outbox.RenewAsync(claim, time.GetUtcNow() + options.Lease, cancellationToken).ConfigureAwait(false))
                    {
                        LogClaimLost(logger, claim.OutboxId, claim.Target);
                        claims.Remove(claim);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The delivery ended.
        }
        catch (Exception e)
        {
            LogRenewFailed(logger, claims.Count, target, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox row {OutboxId} for target {Target}: lease ran out and another dispatcher took the row; left to it")]
    private static partial void LogClaimLost(ILogger logger, long outboxId, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} outbox rows for target {Target}: leases not renewed")]
    private static partial void LogRenewFailed(ILogger logger, int count, string target, Exception exception);
}
