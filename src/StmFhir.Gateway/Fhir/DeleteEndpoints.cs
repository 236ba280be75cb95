using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Configuration;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// <c>DELETE {type}/{id}</c> and <c>DELETE {type}?criteria</c> (R4 delete and conditional delete, single): the delete is
/// versioned (<see cref="IResourceStore.DeleteAsync"/>): history shows it, a read answers 410 Gone, vread of the earlier
/// versions still works, search no longer finds it, and the outbox sends it to the targets. Answers: 204 No Content
/// (with the ETag of the version that records the delete) when deleted or already deleted; 404 for an id never stored;
/// 409 Conflict when current resources refer to it (the gateway refuses rather than leave dangling references: delete
/// the sessions first); for a conditional delete, 204 when nothing matches and 412 when several do.
/// </summary>
/// <remarks>
/// As with conditional update, the search and the delete are two steps: a match created between them is not deleted.
/// </remarks>
internal static class DeleteEndpoints
{
    private const string Source = "fhir-rest";

    public static RouteGroupBuilder MapFhirDelete(this RouteGroupBuilder group, string type)
    {
        group.MapDelete(type + "/{id}", DeleteAsync).RequireAuthorization(Scopes.PolicyFor(FhirInteraction.Delete));
        group.MapDelete(type, ConditionalDeleteAsync).RequireAuthorization(Scopes.PolicyFor(FhirInteraction.Delete));
        return group;
    }

    /// <summary>410 Gone for a resource whose latest version is a delete, else 404 Not Found.</summary>
    public static async Task<IResult> GoneOrNotFoundAsync(IResourceStore store, string type, string id, CancellationToken cancellationToken)
    {
        var latest = await store.HistoryAsync(new HistoryQuery(type, id, 1, 0), cancellationToken).ConfigureAwait(false);
        return latest.Versions is [{ IsDeleted: true } tombstone] ? Gone(tombstone) : Outcomes.NotFound($"{type}/{id} is not known");
    }

    /// <summary>The answer to a read of a version that deleted the resource.</summary>
    public static FhirJsonResult Gone(StoredResource tombstone) =>
        new(StatusCodes.Status410Gone, Outcomes.Create(OperationOutcome.IssueType.Deleted,
            $"{tombstone.Type}/{tombstone.Id} was deleted (version {tombstone.Version})"))
        {
            ETag = tombstone.ETag,
            LastModified = tombstone.LastUpdated,
        };

    private static Task<IResult> DeleteAsync(string type, string id, IResourceStore store, CancellationToken cancellationToken) =>
        DeleteOneAsync(store, type, id, cancellationToken);

    private static async Task<IResult> ConditionalDeleteAsync(string type, HttpRequest request, IResourceStore store, IOptions<FhirOptions> options,
        CancellationToken cancellationToken)
    {
        if (!FhirAccess.Allows(request.HttpContext.User, FhirInteraction.Search, type))
        {
            return Outcomes.Result(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden,
                $"A conditional delete of {type} needs search permission on it besides delete");
        }
        var parsed = SearchQueryParser.Parse(type, SearchEndpoints.QueryParameters(request), options.Value.SearchLimits());
        if (parsed.Query is not { } query)
        {
            return SearchEndpoints.Problems(parsed.Problems);
        }
        if (query.Criteria.Count == 0 || query.Sort.Count > 0 || query.Includes.Count > 0)
        {
            return Outcomes.BadRequest("A conditional delete needs search criteria (e.g. ?identifier=system|value) and nothing else");
        }
        var matches = await store.SearchAsync(query with { Count = 2, Offset = 0 }, cancellationToken).ConfigureAwait(false);
        return matches.Total switch
        {
            > 1 => Outcomes.Result(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.MultipleMatches,
                $"The criteria match {matches.Total} {type} resources; a conditional delete deletes at most one"),
            // R4: with no match there is nothing to delete, which is success.
            0 => new FhirJsonResult(StatusCodes.Status204NoContent),
            _ => await DeleteOneAsync(store, type, matches.Resources[0].Id, cancellationToken).ConfigureAwait(false),
        };
    }

    private static async Task<IResult> DeleteOneAsync(IResourceStore store, string type, string id, CancellationToken cancellationToken)
    {
        DeleteResult result;
        try
        {
            result = await store.DeleteAsync(type, id, Source, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreRejectedException e) when (e.Reason == StoreRejection.Conflict)
        {
            return Outcomes.Result(StatusCodes.Status409Conflict, OperationOutcome.IssueType.Conflict, e.Message);
        }
        return result.Tombstone is { } tombstone
            ? new FhirJsonResult(StatusCodes.Status204NoContent) { ETag = tombstone.ETag, LastModified = tombstone.LastUpdated }
            : Outcomes.NotFound($"{type}/{id} is not known");
    }
}
