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
            var delivered = await DeliverToAsync(group.Key, [.. group.Select(r => r.Request)], startedAt, cancellationToken);
            foreach (var ((request, index), outcome) in group.Zip(delivered))
            {
                results[index] = Finish(request, outcome, startedAt);
            }
        }
        return results;
    }

    /// <summary>Delivers Bundles to one target: their phase 1 in shared batches, then each Bundle's transactions; per request, its outcome.</summary>
    private async Task<List<Outcome>> DeliverToAsync(string target, List<DeliveryRequest> requests, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        FhirCapabilities capabilities;
        try
        {
            capabilities = await targets.GetCapabilitiesAsync(target, cancellationToken);
        }
        catch (FhirTargetUnavailableException e)
        {
            var failure = new DeliveryFailure(e.IsTransient ? DeliveryFailureKind.Transient : DeliveryFailureKind.Permanent, e.Message, e.HttpStatus);
            return [.. requests.Select(_ => new Outcome(null, failure))];
        }
        var runs = new TargetRuns(target, targets, targets.CreateClient(target), _memories.GetOrAdd(target, _ => new TargetMemory()), capabilities, startedAt);
        var planned = requests.Select(r => DeliveryPlan.Create(r.Bundle, capabilities)).ToList();
        var started = requests.Select((r, i) => planned[i].Plan is { } plan ? runs.Start(r, plan) : null).ToList();

        // Phase 1 of every Bundle in shared batches, then each Bundle's transactions.
        var work = requests.Select((r, i) => (Request: r, Run: started[i])).Where(d => d.Run is not null)
            .SelectMany(d => d.Run!.Prepare(recallPeople: true, d.Request.NewAtTarget).Select(w => (d.Run!, w.Item, w.Read))).ToList();
        var failures = work.Count > 0
            ? await DeliveryBatch.SendAsync(runs.Client, targets.TransactionLimits(target).Plain, work, cancellationToken)
            : [];
        var outcomes = new List<Outcome>(requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            outcomes.Add(started[i] is { } run
                ? await CompleteAsync(runs, requests[i], planned[i].Plan!, run, failures.GetValueOrDefault(run), shared: requests.Count > 1, cancellationToken)
                : new Outcome(null, planned[i].Problem));
        }
        return outcomes;
    }

    /// <summary>
    /// Phase 2 of a run whose phase 1 is done, with the deliverer's fallbacks: a Bundle refused in a batch shared with
    /// others is delivered alone, and one whose remembered people were refused is delivered again without them. Each
    /// fallback runs the same plan again from a fresh state; repeating a delivery is safe.
    /// </summary>
    private async Task<Outcome> CompleteAsync(TargetRuns runs, DeliveryRequest request, DeliveryPlan plan, DeliveryRun run, DeliveryFailure? batchFailure,
        bool shared, CancellationToken cancellationToken)
    {
        if (batchFailure is not null)
        {
            if (batchFailure.IsTransient || !shared)
            {
                return new Outcome(run, batchFailure);
            }
            // Refused in a batch shared with other Bundles: delivered alone, so that only its own content can make it
            // fail permanently (and be dead-lettered).
            var alone = runs.Start(request, plan, run.State.Requests);
            return new Outcome(alone, await GuardAsync(() => alone.RunAsync(recallPeople: true, request.NewAtTarget, cancellationToken)));
        }
        var failure = await GuardAsync(() => run.WriteAsync(cancellationToken));
        if (failure is null || !run.State.RememberedPeopleRefused)
        {
            return new Outcome(run, failure);
        }
        // A remembered Patient or Practitioner may be gone (deleted, merged): forget them and deliver again with
        // conditional creates. A refusal for another reason repeats.
        LogRememberedPeopleRefused(runs.Target, request.SourceId, failure.HttpStatus);
        foreach (var person in run.State.RememberedPeople)
        {
            runs.Memory.Forget(person.MemoryKey!);
        }
        var again = runs.Start(request, plan, run.State.Requests);
        return new Outcome(again, await GuardAsync(() => again.RunAsync(recallPeople: false, request.NewAtTarget, cancellationToken)));
    }

    private static async Task<DeliveryFailure?> GuardAsync(Func<Task<DeliveryFailure?>> step)
    {
        try
        {
            return await step();
        }
        catch (FhirTransportException e)
        {
            return DeliveryAnswers.Transport(e);
        }
    }

    private DeliveryResult Finish(DeliveryRequest request, Outcome outcome, DateTimeOffset startedAt)
    {
        var (run, failure) = (outcome.Run, outcome.Failure);
        var result = new DeliveryResult
        {
            Target = request.Target,
            StartedAt = startedAt,
            Resources = run?.Results() ?? [],
            Provenance = failure is null ? run?.ProvenanceResult : null,
            Failure = failure,
            Requests = run?.State.Requests ?? 0,
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

    /// <summary>How a delivery ended: its last run (null when it was never planned) and why it failed, if it did.</summary>
    private sealed record Outcome(DeliveryRun? Run, DeliveryFailure? Failure);

    /// <summary>What every run of one call to one target shares, and how a run starts.</summary>
    private sealed record TargetRuns(string Target, FhirTargets Targets, FhirTargetClient Client, TargetMemory Memory, FhirCapabilities Capabilities,
        DateTimeOffset StartedAt)
    {
        /// <summary>The versions this call wrote (its runs go one after another), so a second Bundle of one resource expects the first's.</summary>
        private readonly Dictionary<string, string> _written = new(StringComparer.Ordinal);

        public DeliveryRun Start(DeliveryRequest request, DeliveryPlan plan, int requestsBefore = 0) =>
            new(Target, Targets, Client, Memory, plan, Capabilities, request.SourceId, StartedAt, requestsBefore, request.ExpectedVersions, _written);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered {SourceId} to {Target}: {Count} resources ({Created} created, {Updated} updated, {Unchanged} unchanged) in {Requests} requests")]
    private partial void LogDelivered(string target, string? sourceId, int count, int created, int updated, int unchanged, int requests);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery of {SourceId} to {Target} referring to remembered people was refused (HTTP {Status}); delivering again with conditional creates")]
    private partial void LogRememberedPeopleRefused(string target, string? sourceId, int? status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery of {SourceId} to {Target} failed ({Kind}, HTTP {Status}) after {Arrived} resources arrived")]
    private partial void LogFailed(string target, string? sourceId, DeliveryFailureKind kind, int? status, int arrived);
}
