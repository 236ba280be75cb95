using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson.Exceptions;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Ingest;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// <c>PATCH {type}/{id}</c> with a JSON Patch (<c>application/json-patch+json</c>, RFC 6902, applied by ASP.NET Core's
/// System.Text.Json JsonPatch to the stored JSON): the result is read and validated as any update, and written only
/// over the version it was made from (If-Match, or else the version read), so a concurrent change is a 412, not lost.
/// </summary>
internal static class PatchEndpoints
{
    public static RouteGroupBuilder MapFhirPatch(this RouteGroupBuilder group, string type)
    {
        group.MapPatch(type + "/{id}", PatchAsync).RequireAuthorization(Scopes.PolicyFor(FhirInteraction.Update));
        return group;
    }

    private static async Task<IResult> PatchAsync(string type, string id, HttpRequest request, FhirRequestReader reader, IngestService ingest,
        IResourceStore store, CancellationToken cancellationToken)
    {
        if (request.ContentType?.Contains("json-patch+json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return Outcomes.Result(StatusCodes.Status415UnsupportedMediaType, OperationOutcome.IssueType.NotSupported,
                "PATCH takes a JSON Patch document as application/json-patch+json");
        }
        // A patch's test operations would tell a write-only credential what the resource holds.
        if (!Scopes.CanRead(request.HttpContext.User, type))
        {
            return Outcomes.Result(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, $"A patch of {type} needs read permission on it besides update");
        }
        var body = await reader.ReadBytesAsync(request, cancellationToken).ConfigureAwait(false);
        if (body.Value is not { } bytes)
        {
            return body.Error!;
        }
        JsonPatchDocument? patch;
        try
        {
            patch = JsonSerializer.Deserialize<JsonPatchDocument>(bytes);
        }
        catch (JsonException e)
        {
            return Outcomes.BadRequest($"The body is not a JSON Patch document: {e.Message.Split('.')[0]}");
        }
        if (patch is null || patch.Operations.Count == 0)
        {
            return Outcomes.BadRequest("The JSON Patch document has no operations");
        }
        int? ifMatch;
        try
        {
            ifMatch = TransactionBundles.IfMatch(request.Headers.IfMatch.ToString() is { Length: > 0 } etag ? etag : null);
        }
        catch (StoreRejectedException e)
        {
            return Outcomes.BadRequest(e.Message);
        }
        if (await store.ReadAsync(type, id, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return await DeleteEndpoints.GoneOrNotFoundAsync(store, type, id, cancellationToken).ConfigureAwait(false);
        }
        if (Apply(patch, stored, out var problem) is not { } patched)
        {
            return Outcomes.Result(StatusCodes.Status422UnprocessableEntity, OperationOutcome.IssueType.Processing, problem!);
        }
        var parsed = reader.Read(Encoding.UTF8.GetBytes(patched), "json", strict: true);
        if (parsed.Resource is not { } resource || parsed.Issues.Any(i => i.IsError))
        {
            return FhirRequestReader.Refusal(parsed.Issues);
        }
        var change = new Change(ChangeMethod.Update, resource) { IfMatchVersion = ifMatch ?? stored.Version };
        return ResourceEndpoints.Written(request, await ingest.IngestAsync(new ChangeSet([change], "fhir-rest"), resource, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The patched JSON, or null with the failing operation's message; the type and id may not change.</summary>
    private static string? Apply(JsonPatchDocument patch, StoredResource stored, out string? problem)
    {
        problem = null;
        var node = JsonNode.Parse(stored.Json)!.AsObject();
        try
        {
            patch.ApplyTo(node);
        }
        catch (JsonPatchException e)
        {
            problem = $"The patch could not be applied: {e.Message}";
            return null;
        }
        if (node["resourceType"]?.GetValue<string>() != stored.Type || node["id"]?.GetValue<string>() != stored.Id)
        {
            problem = "A patch may not change the resource's type or id";
            return null;
        }
        return node.ToJsonString();
    }
}
