namespace StmFhir.Exchange.Push;

/// <summary>
/// Delivers one transaction Bundle to one target, exactly once in effect: delivering it again, concurrently or after a
/// failure at any point, leaves the target as one delivery does. Thread-safe; one per process.
/// </summary>
public interface IFhirDeliverer
{
    /// <summary>
    /// Delivers <see cref="DeliveryRequest.Bundle"/> to <see cref="DeliveryRequest.Target"/>. Never throws for what the
    /// target or the network do: failures come back in <see cref="DeliveryResult.Failure"/>, transient (try the row again
    /// later) or permanent (dead-letter it). Throws <see cref="OperationCanceledException"/> when cancelled and
    /// <see cref="KeyNotFoundException"/> for an unknown target.
    /// </summary>
    Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Delivers several Bundles, each as <see cref="DeliverAsync"/> would and with a result of its own (in the same
    /// order), sharing round trips where a target allows: the reads and conditional creates of all of them go in the
    /// same batches before each Bundle's own transactions. One failing Bundle does not fail the others.
    /// </summary>
    async Task<IReadOnlyList<DeliveryResult>> DeliverAllAsync(IReadOnlyList<DeliveryRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var results = new List<DeliveryResult>(requests.Count);
        foreach (var request in requests)
        {
            results.Add(await DeliverAsync(request, cancellationToken));
        }
        return results;
    }

    /// <summary>
    /// Deletes <c>{type}/{id}</c> at <paramref name="target"/>: <c>DELETE {base}/{type}/{id}</c>, or, where the target
    /// gives its own ids (the resource was delivered by conditional update), <c>DELETE {base}/{type}?{identifierCondition}</c>
    /// (<c>identifier=system|value</c>, the resource's business identifier). Null when done, which includes a target that
    /// answers 404 or 410 (already gone: the delete is idempotent); else why not, transient or permanent as for
    /// <see cref="DeliverAsync"/>. A deliverer that cannot send deletes says so as a permanent failure.
    /// </summary>
    Task<DeliveryFailure?> DeleteAsync(string target, string type, string id, string? identifierCondition, CancellationToken cancellationToken = default) =>
        Task.FromResult<DeliveryFailure?>(new DeliveryFailure(DeliveryFailureKind.Permanent, "This deliverer does not send deletes"));
}
