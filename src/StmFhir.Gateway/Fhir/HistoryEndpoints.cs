using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Configuration;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// <c>GET {type}/_history</c> and <c>GET /_history</c>: every version of the type's (or every stored type's) resources,
/// newest first, paged with <c>_count</c>/<c>_offset</c> and limited by <c>_since</c>. The system level lists only the
/// types whose history the credential may read outright.
/// </summary>
internal static class HistoryEndpoints
{
    public static RouteGroupBuilder MapFhirHistory(this RouteGroupBuilder group, string type)
    {
        group.MapGet(type + "/_history", (string type, HttpRequest request, IResourceStore store, IOptions<FhirOptions> options, CancellationToken cancellationToken) =>
            HistoryAsync(type, [type], request, store, options.Value, cancellationToken))
            .RequireAuthorization(Scopes.PolicyFor(FhirInteraction.History));
        group.MapGet("/_history", (HttpRequest request, IResourceStore store, IOptions<FhirOptions> options, CancellationToken cancellationToken) =>
        {
            var types = SearchParameterCatalog.ResourceTypes.Where(t => FhirAccess.Allows(request.HttpContext.User, FhirInteraction.History, t)).ToList();
            return types.Count == 0
                ? System.Threading.Tasks.Task.FromResult<IResult>(Outcomes.Result(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden,
                    "This credential may read the history of no stored type"))
                : HistoryAsync(null, types, request, store, options.Value, cancellationToken);
        }).RequireAuthorization();
        return group;
    }

    private static async Task<IResult> HistoryAsync(string? type, IReadOnlyList<string> types, HttpRequest request, IResourceStore store,
        FhirOptions options, CancellationToken cancellationToken)
    {
        var parameters = SearchEndpoints.QueryParameters(request);
        var parsed = HistoryQueryParser.Parse(type ?? "", "", parameters, options.SearchLimits());
        if (parsed.Query is not { } query)
        {
            return SearchEndpoints.Problems(parsed.Problems);
        }
        var result = await store.ChangesAsync(new ChangesQuery(types, query.Count, query.Offset) { Since = query.Since, MaxBytes = options.MaxResponseBytes },
            cancellationToken).ConfigureAwait(false);
        var baseUrl = FhirUrls.Base(request);
        return BundleJson.History(result.Total, result.Versions, baseUrl, PageLinks.For(
            type is null ? $"{baseUrl}/_history" : $"{baseUrl}/{type}/_history", parameters, query.Count, query.Offset, result.Versions.Count, result.Total));
    }
}
