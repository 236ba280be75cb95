using Microsoft.Extensions.Logging;
using StmFhir.Exchange.Client;

namespace StmFhir.Exchange.Delivery;

/// <summary>Delivers transaction Bundles to the configured targets (see <see cref="DeliveryRun"/> for how).</summary>
internal sealed partial class FhirDeliverer(FhirTargets targets, TimeProvider timeProvider, ILogger<FhirDeliverer> logger) : IFhirDeliverer
{
    public async Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.Bundle);
        targets.GetOptions(request.Target);
        // Millisecond precision: the Provenance's recorded time is searched for as an exact instant.
        var now = timeProvider.GetUtcNow();
        var startedAt = now.AddTicks(-(now.UtcTicks % TimeSpan.TicksPerMillisecond));

        DeliveryRun? run = null;
        DeliveryFailure? failure;
        try
        {
            var capabilities = await targets.GetCapabilitiesAsync(request.Target, cancellationToken);
            var (plan, problem) = DeliveryPlanner.Create(request.Bundle, capabilities);
            if (plan is null)
            {
                failure = problem;
            }
            else
            {
                run = new DeliveryRun(request.Target, targets, targets.CreateClient(request.Target), plan, capabilities);
                failure = await run.RunAsync(request.SourceId, startedAt, recallPeople: true, cancellationToken);
                if (failure is not null && run.RememberedPeopleRefused)
                {
                    // A remembered Patient or Practitioner may be gone (deleted, merged): forget them and deliver again
                    // with conditional creates. Repeating a delivery is safe; a refusal for another reason repeats.
                    LogRememberedPeopleRefused(request.Target, request.SourceId, failure.HttpStatus);
                    var memory = targets.Memory(request.Target);
                    foreach (var person in run.RememberedPeople)
                    {
                        memory.Forget(person.MemoryKey!);
                    }
                    var requests = run.Requests;
                    run = new DeliveryRun(request.Target, targets, targets.CreateClient(request.Target), DeliveryPlanner.Create(request.Bundle, capabilities).Plan!, capabilities, requests);
                    failure = await run.RunAsync(request.SourceId, startedAt, recallPeople: false, cancellationToken);
                }
            }
        }
        catch (FhirTargetUnavailableException e)
        {
            failure = new DeliveryFailure(e.IsTransient ? DeliveryFailureKind.Transient : DeliveryFailureKind.Permanent, e.Message, e.HttpStatus);
        }
        catch (FhirTransportException e)
        {
            failure = new DeliveryFailure(e.IsTransient ? DeliveryFailureKind.Transient : DeliveryFailureKind.Permanent, e.Message);
        }

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered {SourceId} to {Target}: {Count} resources ({Created} created, {Updated} updated, {Unchanged} unchanged) in {Requests} requests")]
    private partial void LogDelivered(string target, string? sourceId, int count, int created, int updated, int unchanged, int requests);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivery of {SourceId} to {Target} referring to remembered people was refused (HTTP {Status}); delivering again with conditional creates")]
    private partial void LogRememberedPeopleRefused(string target, string? sourceId, int? status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery of {SourceId} to {Target} failed ({Kind}, HTTP {Status}) after {Arrived} resources arrived")]
    private partial void LogFailed(string target, string? sourceId, DeliveryFailureKind kind, int? status, int arrived);
}
