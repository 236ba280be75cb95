using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StmFhir.Exchange.Targets;

namespace StmFhir.Exchange.Push;

/// <summary>Delivers transaction Bundles to the configured targets (see <see cref="DeliveryRun"/> for how).</summary>
internal sealed partial class FhirDeliverer(FhirTargets targets, TimeProvider timeProvider, ILogger<FhirDeliverer> logger) : IFhirDeliverer
{
    /// <summary>What deliveries learned about each target's resources (people's ids, versions written), by target name.</summary>
    private readonly ConcurrentDictionary<string, TargetMemory> _memories = new(StringComparer.Ordinal);

    public async Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken = default) =>
        (await DeliverAllAsync([request], cancellationToken))[0];

    public async Task<IReadOnlyList<DeliveryResult>> DeliverAllAsync(IReadOnlyList<DeliveryRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        foreach (var request in requests)
        {
            ArgumentNullException.ThrowIfNull(request);
            ArgumentNullException.ThrowIfNull(request.Bundle);
            targets.GetOptions(request.Target);
        }
        // Millisecond precision: the Provenance's recorded time is searched for as an exact instant.
        var now = timeProvider.GetUtcNow();
        var startedAt = now.AddTicks(-(now.UtcTicks % TimeSpan.TicksPerMillisecond));
        var results = new DeliveryResult[requests.Count];
        foreach (var group in requests.Select((r, i) => (Request: r, Index: i)).GroupBy(r => r.Request.Target, StringComparer.Ordinal))
        {
            var deliveries = group.Select(r => new Delivery(r.Index, r.Request)).ToList();
            await DeliverToAsync(group.Key, deliveries, startedAt, cancellationToken);
            foreach (var delivery in deliveries)
            {
                results[delivery.Index] = Finish(delivery, startedAt);
            }
        }
        return results;
    }

    private async Task DeliverToAsync(string target, List<Delivery> deliveries, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        FhirCapabilities capabilities;
        try
        {
            capabilities = await targets.GetCapabilitiesAsync(target, cancellationToken);
        }
        catch (FhirTargetUnavailableException e)
        {
            var failure = new DeliveryFailure(e.IsTransient ? DeliveryFailureKind.Transient : DeliveryFailureKind.Permanent, e.Message, e.HttpStatus);
            deliveries.ForEach(d => d.Failure = failure);
            return;
        }
        var client = targets.CreateClient(target);
        var memory = _memories.GetOrAdd(target, _ => new TargetMemory());
        foreach (var delivery in deliveries)
        {
            var (plan, problem) = DeliveryPlanner.Create(delivery.Request.Bundle, capabilities);
            delivery.Failure = problem;
            delivery.Run = plan is null ? null : new DeliveryRun(target, targets, client, memory, plan, capabilities);
        }

        // Phase 1 of every Bundle in shared batches, then each Bundle's transactions.
        var work = deliveries.Where(d => d.Run is not null).SelectMany(d => d.Run!.Prepare(recallPeople: true, d.Request.NewAtTarget).Select(w => (d.Run!, w.Item, w.Read))).ToList();
        var failures = work.Count > 0
            ? await DeliveryRun.BatchAsync(client, targets.TransactionLimits(target).Plain, work, cancellationToken)
            : [];
        foreach (var delivery in deliveries.Where(d => d.Run is not null))
        {
            if (failures.TryGetValue(delivery.Run!, out var failure))
            {
                if (failure.IsTransient || deliveries.Count == 1)
                {
                    delivery.Failure = failure;
                    continue;
                }
                // Refused in a batch shared with other Bundles: delivered alone, so that only its own content can
                // make it fail permanently (and be dead-lettered).
                delivery.Run = new DeliveryRun(target, targets, client, memory, DeliveryPlanner.Create(delivery.Request.Bundle, capabilities).Plan!, capabilities, delivery.Run!.Requests);
                delivery.Failure = await GuardAsync(() => delivery.Run.RunAsync(delivery.Request.SourceId, startedAt, recallPeople: true, delivery.Request.NewAtTarget, cancellationToken));
                continue;
            }
            delivery.Failure = await GuardAsync(() => delivery.Run!.WriteAsync(delivery.Request.SourceId, startedAt, cancellationToken));
            if (delivery.Failure is not null && delivery.Run!.RememberedPeopleRefused)
            {
                // A remembered Patient or Practitioner may be gone (deleted, merged): forget them and deliver again
                // with conditional creates. Repeating a delivery is safe; a refusal for another reason repeats.
                LogRememberedPeopleRefused(target, delivery.Request.SourceId, delivery.Failure.HttpStatus);
                foreach (var person in delivery.Run.RememberedPeople)
                {
                    memory.Forget(person.MemoryKey!);
                }
                delivery.Run = new DeliveryRun(target, targets, client, memory, DeliveryPlanner.Create(delivery.Request.Bundle, capabilities).Plan!, capabilities, delivery.Run.Requests);
                delivery.Failure = await GuardAsync(() => delivery.Run.RunAsync(delivery.Request.SourceId, startedAt, recallPeople: false, delivery.Request.NewAtTarget, cancellationToken));
            }
        }
    }

    private static async Task<DeliveryFailure?> GuardAsync(Func<Task<DeliveryFailure?>> step)
    {
        try
        {
            return await step();
        }
        catch (FhirTransportException e)
        {
            return new DeliveryFailure(e.IsTransient ? DeliveryFailureKind.Transient : DeliveryFailureKind.Permanent, e.Message);
        }
    }

    private DeliveryResult Finish(Delivery delivery, DateTimeOffset startedAt)
    {
        var (request, run, failure) = (delivery.Request, delivery.Run, delivery.Failure);
        var result = new DeliveryResult
        {
            Target = request.Target,
            StartedAt = startedAt,
            Resources = run?.Results() ?? [],
            Provenance = failure is null ? run?.ProvenanceResult : null,
            Failure = failure,
            Requests = run?.Requests ?? 0,
        };
        if (failure is null)
        {
            LogDelivered(request.Target, request.SourceId, result.Resources.Count,
                result.Resources.Count(r => r.Change == ResourceChange.Created),
                result.Resources.Count(r => r.Change == ResourceChange.Updated),
                result.Resources.Count(r => r.Change == ResourceChange.Unchanged),
                result.Requests);
        }
        else
        {
            // The message may quote the target's OperationOutcome, which can echo resource content: not logged.
            LogFailed(request.Target, request.SourceId, failure.Kind, failure.HttpStatus, result.Resources.Count);
        }
        return result;
    }

    private sealed class Delivery(int index, DeliveryRequest request)
    {
        public int Index { get; } = index;

        public DeliveryRequest Request { get; } = request;

        public DeliveryRun? Run { get; set; }

        public DeliveryFailure? Failure { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered {SourceId} to {Target}: {Count} resources ({Created} created, {Updated} updated, {Unchanged} unchanged) in {Requests} requests")]
    private partial void LogDelivered(string target, string? sourceId, int count, int created, int updated, int unchanged, int requests);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery of {SourceId} to {Target} referring to remembered people was refused (HTTP {Status}); delivering again with conditional creates")]
    private partial void LogRememberedPeopleRefused(string target, string? sourceId, int? status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery of {SourceId} to {Target} failed ({Kind}, HTTP {Status}) after {Arrived} resources arrived")]
    private partial void LogFailed(string target, string? sourceId, DeliveryFailureKind kind, int? status, int arrived);
}
