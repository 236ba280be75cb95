using Microsoft.Extensions.Logging;
using StmFhir.Exchange.Targets;

namespace StmFhir.Exchange.Push;

/// <summary>Deletes at a target: one <c>DELETE Type/id</c> per deleted resource, outside the transaction machinery.</summary>
/// <remarks>
/// A delete needs none of what a Bundle's delivery does (people to resolve, references to rewrite, versions to read), and
/// R4 servers answer a plain DELETE more uniformly than a DELETE entry in a transaction. The gateway's id is the target's
/// wherever the target takes client ids (PUT Type/id, how resources are delivered there); a target that gives its own
/// ids got the resource by conditional update on its business identifier, and gets the delete the same way.
/// </remarks>
internal sealed partial class FhirDeliverer
{
    public async Task<DeliveryFailure?> DeleteAsync(string target, string type, string id, string? identifierCondition, CancellationToken cancellationToken = default)
    {
        targets.GetOptions(target);
        var client = targets.CreateClient(target);
        FhirResponse response;
        try
        {
            var capabilities = await targets.GetCapabilitiesAsync(target, cancellationToken);
            // Where the target took the gateway's ids, the id names the resource there; elsewhere its identifier does.
            var url = capabilities.AcceptsClientIds(type) || identifierCondition is null
                ? $"{type}/{Uri.EscapeDataString(id)}"
                : $"{type}?{identifierCondition}";
            response = await client.SendAsync(HttpMethod.Delete, url, null, cancellationToken);
        }
        catch (FhirTargetUnavailableException e)
        {
            return new DeliveryFailure(e.IsTransient ? DeliveryFailureKind.Transient : DeliveryFailureKind.Permanent, e.Message, e.HttpStatus);
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
