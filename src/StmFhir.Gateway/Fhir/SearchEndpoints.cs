using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Configuration;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// Type-level search, by <c>GET {type}?...</c> or <c>POST {type}/_search</c> with a form body: criteria, <c>_sort</c>,
/// <c>_include</c>/<c>_revinclude</c>, <c>_summary</c>/<c>_elements</c> and paging. Included resources are only those
/// of types the credential may read outright; a chain needs search permission on the type it reaches into.
/// </summary>
internal static class SearchEndpoints
{
    public static RouteGroupBuilder MapFhirSearch(this RouteGroupBuilder group, string type)
    {
        group.MapGet(type, SearchAsync).RequireAuthorization(Scopes.PolicyFor(FhirInteraction.Search));
        group.MapPost(type + "/_search", SearchPostAsync).RequireAuthorization(Scopes.PolicyFor(FhirInteraction.Search));
        return group;
    }

    private static Task<IResult> SearchAsync(string type, HttpRequest request, IResourceStore store, IOptions<FhirOptions> options, CancellationToken cancellationToken) =>
        RunAsync(type, request, QueryParameters(request), store, options.Value, cancellationToken);

    private static async Task<IResult> SearchPostAsync(string type, HttpRequest request, IResourceStore store, IOptions<FhirOptions> options,
        CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return Outcomes.Result(StatusCodes.Status415UnsupportedMediaType, OperationOutcome.IssueType.NotSupported,
                "POST {type}/_search takes its parameters as application/x-www-form-urlencoded");
        }
        var form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        List<KeyValuePair<string, string>> parameters = [.. QueryParameters(request), .. form.SelectMany(f => f.Value.Select(v => KeyValuePair.Create(f.Key, v ?? "")))];
        return await RunAsync(type, request, parameters, store, options.Value, cancellationToken).ConfigureAwait(false);
    }

    internal static List<KeyValuePair<string, string>> QueryParameters(HttpRequest request) =>
        [.. request.Query.SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? "")))];

    private static async Task<IResult> RunAsync(string type, HttpRequest request, List<KeyValuePair<string, string>> parameters, IResourceStore store,
        FhirOptions options, CancellationToken cancellationToken)
    {
        var user = request.HttpContext.User;
        // A restricted scope's parameters are searched too (ANDed), but not echoed in the paging links: the client sends
        // its own query again and the restriction is added again.
        if (FhirAccess.SearchRestriction(user, type) is not { } restriction)
        {
            return Outcomes.Result(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, FhirAccess.Refusal(FhirInteraction.Search, type));
        }
        if (SearchView.Of(parameters, out var viewProblem) is not { } view)
        {
            return Problems([viewProblem!]);
        }
        var parsed = SearchQueryParser.Parse(type, [.. parameters, .. restriction], options.SearchLimits(), AcceptedIssues.PrefersLenient(request));
        if (parsed.Query is not { } query)
        {
            return Problems(parsed.Problems);
        }
        if (ChainRefusal(user, query) is { } refusal)
        {
            return Outcomes.Result(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, refusal);
        }
        if (view.CountOnly)
        {
            query = query with { Count = 0, Includes = [] };
        }
        var result = await store.SearchAsync(query with { MaxBytes = options.MaxResponseBytes }, cancellationToken).ConfigureAwait(false);
        var baseUrl = FhirUrls.Base(request);
        var used = parameters.Where(p => !parsed.Ignored.Contains(p.Key));
        return BundleJson.SearchSet(result.Total, result.Resources, baseUrl,
            PageLinks.For($"{baseUrl}/{type}", used, query.Count, query.Offset, result.Resources.Count, result.Total),
            Readable(user, result), view.Json);
    }

    /// <summary>
    /// Why the credential may not run a chain of <paramref name="query"/>, or null: a chain searches the type it reaches
    /// into (which identifiers exist), so it needs an unrestricted search permission there.
    /// </summary>
    internal static string? ChainRefusal(System.Security.Claims.ClaimsPrincipal user, SearchQuery query) =>
        query.Criteria.FirstOrDefault(c => c.Chain is { } chain && FhirAccess.SearchRestriction(user, chain.TargetType) is not { Count: 0 }) is { Chain: { } refused } criterion
            ? $"{criterion.Parameter.Name}.{refused.Parameter.Name}: " + FhirAccess.Refusal(FhirInteraction.Search, refused.TargetType)
            : null;

    /// <summary>The included resources the credential may read; the others are left out of the answer.</summary>
    internal static IReadOnlyList<StoredResource> Readable(System.Security.Claims.ClaimsPrincipal user, SearchResult result) =>
        [.. result.Included.Where(r => Scopes.CanRead(user, r.Type))];

    internal static FhirJsonResult Problems(IEnumerable<string> problems) => Outcomes.Result(StatusCodes.Status400BadRequest,
        Outcomes.Create(problems.Select(p => Outcomes.Issue(OperationOutcome.IssueType.NotSupported, p))));
}
