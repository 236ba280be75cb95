using System.Text.Json;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outbox;

/// <summary>
/// Delivers the outbox rows of deletes (<see cref="OutboxResource.Deleted"/>): a <c>DELETE Type/id</c> to the target per
/// deleted resource (<see cref="IFhirDeliverer.DeleteAsync"/>), recorded like any delivery (delivered, rescheduled or
/// dead-lettered), so a delete reaches each target exactly once in effect. A 404 or 410 from the target counts as done.
/// </summary>
/// <remarks>
/// A resource written again since its delete (a later row carries the new content) is not deleted at the target: the row
/// is delivered without a request, as a row whose resources changed since is delivered with their current content.
/// The dispatcher runs the deletes of a claim before its other rows, which are built from the current versions.
/// </remarks>
internal sealed class OutboxDeletes(IResourceStore store, IOutboxStore outbox, IFhirDeliverer deliverer)
{
    /// <summary>True when the row is a delete's.</summary>
    public static bool IsDelete(OutboxClaim claim) => claim.Payload.Resources.Any(r => r.Deleted);

    /// <summary>Delivers the delete rows among <paramref name="claims"/>; failures go to <paramref name="failed"/>.</summary>
    public async Task DeliverAsync(string target, IEnumerable<OutboxClaim> claims, Func<OutboxClaim, DeliveryFailure, Task> failed, CancellationToken cancellationToken)
    {
        foreach (var claim in claims.Where(IsDelete))
        {
            var delivered = new List<OutboxDeliveredResource>();
            DeliveryFailure? failure = null;
            foreach (var resource in claim.Payload.Resources.Where(r => r.Deleted))
            {
                var source = $"{resource.Type}/{resource.Id}";
                if (await store.ReadAsync(resource.Type, resource.Id, cancellationToken).ConfigureAwait(false) is not null)
                {
                    delivered.Add(new OutboxDeliveredResource(resource.Type, source, resource.Id, null, "superseded", resource.Version));
                    continue;
                }
                var condition = await IdentifierConditionAsync(resource, cancellationToken).ConfigureAwait(false);
                failure = await deliverer.DeleteAsync(target, resource.Type, resource.Id, condition, cancellationToken).ConfigureAwait(false);
                if (failure is not null)
                {
                    break;
                }
                delivered.Add(new OutboxDeliveredResource(resource.Type, source, resource.Id, null, "deleted", resource.Version));
            }
            if (failure is null)
            {
                await outbox.MarkDeliveredAsync(claim, delivered, CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await failed(claim, failure).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// <c>identifier=system|value</c> of the version before the delete (its first identifier with both), for targets that
    /// know the resource by it; null when it had none.
    /// </summary>
    private async Task<string?> IdentifierConditionAsync(OutboxResource resource, CancellationToken cancellationToken)
    {
        if (await store.ReadVersionAsync(resource.Type, resource.Id, resource.Version - 1, cancellationToken).ConfigureAwait(false) is not { IsDeleted: false } before)
        {
            return null;
        }
        using var json = JsonDocument.Parse(before.Json, new JsonDocumentOptions { MaxDepth = Core.Mapping.FhirJson.MaxDepth });
        if (!json.RootElement.TryGetProperty("identifier", out var identifiers) || identifiers.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        foreach (var identifier in identifiers.EnumerateArray())
        {
            if (identifier.TryGetProperty("system", out var system) && system.GetString() is { Length: > 0 } s
                && identifier.TryGetProperty("value", out var value) && value.GetString() is { Length: > 0 } v)
            {
                return Core.Mapping.IdentifierSearch.Condition(s, v);
            }
        }
        return null;
    }
}
