using Microsoft.Extensions.Logging;
using StmFhir.Exchange.Targets;

namespace StmFhir.Exchange.Push;

/// <summary>Deletes at a target: one <c>DELETE Type/id</c> per deleted resource, outside the transaction machinery.</summary>
/// <remarks>
/// A delete needs none of what a Bundle's delivery does (people to resolve, references to rewrite, versions to read), and
/// R4 servers answer a plain DELETE more uniformly than a DELETE entry in a transaction. The gateway's id is the target's
/// wherever the target takes client ids (PUT Type/id, how resources are delivered there). A target that gives its own
/// ids (delivered by conditional update on the identifier) answers 404 for the gateway's id, which counts as done: the
/// resource stays there (a known limit, see docs/DELETE.md).
/// </remarks>
internal sealed partial class FhirDeliverer
{
    public async Task<DeliveryFailure?> DeleteAsync(string target, string type, string id, CancellationToken cancellationToken = default)
    {
        targets.GetOptions(target);
        var client = targets.CreateClient(target);
        FhirResponse response;
        try
        {
            response = await client.SendAsync(HttpMethod.Delete, $"{type}/{Uri.EscapeDataString(id)}", null, cancellationToken);
        }
        catch (FhirTransportException e)
        {
            return DeliveryAnswers.Transport(e);
        }
        // The version the gateway last wrote there is gone with the resource: a later create must not expect it.
        _memories.GetOrAdd(target, _ => new TargetMemory()).Forget($"{type}/{id}");
        if (response.IsSuccess || response.Status is 404 or 410)
        {
            LogDeleted(target, type, response.Status);
            return null;
        }
        var outcome = DeliveryJson.ReadOutcome(response.Body);
        var described = DeliveryJson.Describe(outcome);
        LogDeleteFailed(target, type, response.Status);
        return new DeliveryFailure(response.IsTransientFailure ? DeliveryFailureKind.Transient : DeliveryFailureKind.Permanent,
            $"The target answered {response.Status} to DELETE {type}/{id}" + (described.Length > 0 ? $": {described}" : ""), response.Status, outcome);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted a {Type} at {Target} (HTTP {Status})")]
    private partial void LogDeleted(string target, string type, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delete of a {Type} at {Target} refused (HTTP {Status})")]
    private partial void LogDeleteFailed(string target, string type, int status);
}
