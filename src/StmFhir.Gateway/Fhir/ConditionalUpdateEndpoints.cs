using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Configuration;
using StmFhir.Gateway.Ingest;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// <c>PUT {type}?criteria</c> (R4 conditional update): no match creates the resource (as an update to the body's id,
/// or a create without one), one match updates it, several are 412. The search runs under the credential's search
/// permission (it tells which resources exist), and needs at least one criterion.
/// </summary>
/// <remarks>
/// The search and the write are two steps: a resource created between them with the same identifier is not seen. Intake's
/// own conditional creates lock identifiers in the store; this facade-level form does not, as in most FHIR servers.
/// </remarks>
internal static class ConditionalUpdateEndpoints
{
    public static RouteGroupBuilder MapFhirConditionalUpdate(this RouteGroupBuilder group, string type)
    {
        group.MapPut(type, UpdateAsync).RequireAuthorization(Scopes.PolicyFor(FhirInteraction.Update));
        return group;
    }

    private static async Task<IResult> UpdateAsync(string type, HttpRequest request, FhirRequestReader reader, IngestService ingest, IResourceStore store,
        IOptions<FhirOptions> options, CancellationToken cancellationToken)
    {
        if (!FhirAccess.Allows(request.HttpContext.User, FhirInteraction.Search, type) || !FhirAccess.Allows(request.HttpContext.User, FhirInteraction.Create, type))
        {
            return Outcomes.Result(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden,
                $"A conditional update of {type} needs search and create permission on it besides update");
        }
        var parsed = SearchQueryParser.Parse(type, SearchEndpoints.QueryParameters(request), options.Value.SearchLimits());
        if (parsed.Query is not { } query)
        {
            return SearchEndpoints.Problems(parsed.Problems);
        }
        if (query.Criteria.Count == 0 || query.Sort.Count > 0 || query.Includes.Count > 0)
        {
            return Outcomes.BadRequest("A conditional update needs search criteria (e.g. ?identifier=system|value) and nothing else");
        }
        var body = await reader.ReadResourceOfTypeAsync(request, type, cancellationToken).ConfigureAwait(false);
        if (body.Value is not { } resource)
        {
            return body.Error!;
        }
        var matches = await store.SearchAsync(query with { Count = 2, Offset = 0 }, cancellationToken).ConfigureAwait(false);
        if (matches.Total > 1)
        {
            return Outcomes.Result(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.MultipleMatches,
                $"The criteria match {matches.Total} {type} resources; a conditional update needs at most one");
        }
        if (matches.Resources is [var match])
        {
            if (resource.Id is not null && resource.Id != match.Id)
            {
                return Outcomes.BadRequest($"The id in the body differs from the id of the {type} the criteria match");
            }
            resource.Id = match.Id;
        }
        var change = new Change(resource.Id is null ? ChangeMethod.Create : ChangeMethod.Update, resource);
        return ResourceEndpoints.Written(request, await ingest.IngestAsync(new ChangeSet([change], "fhir-rest"), resource, cancellationToken).ConfigureAwait(false));
    }
}
