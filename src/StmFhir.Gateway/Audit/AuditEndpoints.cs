using System.Security.Claims;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using StmFhir.Exchange.Audit;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Configuration;
using StmFhir.Gateway.Fhir;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Audit;

/// <summary>
/// <c>GET /fhir/AuditEvent</c> (search, newest first) and <c>GET /fhir/AuditEvent/{id}</c>, for the audit scope only:
/// an API key with <c>audit</c>, or a JWT with <c>stmfhir.audit</c> or <c>system/AuditEvent.rs</c> (<c>user/</c> too;
/// <c>r</c> reads, <c>s</c> searches). A wildcard (<c>system/*.rs</c>, <c>stmfhir.read</c>) does not grant it: who read
/// which patient is for the people who audit, not for every reader. There is no write: AuditEvents are made by the gateway.
/// </summary>
internal static class AuditEndpoints
{
    public const string ReadPolicy = "stmfhir.audit.read";
    public const string SearchPolicy = "stmfhir.audit.search";
    public const string AuditClaim = "stmfhir.audit";

    public static IEndpointRouteBuilder MapAuditEvents(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(FhirUrls.Prefix + "/AuditEvent").ExcludeFromDescription();
        group.MapGet("", SearchAsync).RequireAuthorization(SearchPolicy);
        group.MapGet("/{id}", ReadAsync).RequireAuthorization(ReadPolicy);
        return app;
    }

    /// <summary>Registers the audit policies.</summary>
    public static AuthorizationBuilder AddAuditPolicies(this AuthorizationBuilder builder) => builder
        .AddPolicy(ReadPolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c => Decide(c, 'r')))
        .AddPolicy(SearchPolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c => Decide(c, 's')));

    /// <summary>True when the credential may read (<c>r</c>) or search (<c>s</c>) the audit trail.</summary>
    public static bool Allows(ClaimsPrincipal user, char letter) =>
        user.Claims.Any(c => c.Type is "scope" or "scp" && c.Value.Split(' ').Contains(AuditClaim, StringComparer.Ordinal))
        || ScopeGrant.Of(user).Any(g => g.Type == "AuditEvent" && g.Restrictions.Count == 0 && g.Covers("AuditEvent", letter));

    /// <summary>The CapabilityStatement's entry: read and search only.</summary>
    public static CapabilityStatement.ResourceComponent CapabilityResource() => new()
    {
        Type = "AuditEvent",
        Documentation = "The audit trail (IHE BALP): one AuditEvent per access to patient data and per refused credential. Read and search only, "
            + "with the audit scope (API key scope 'audit'; JWT 'stmfhir.audit' or 'system/AuditEvent.rs'); newest first.",
        Interaction =
        [
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
            new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
        ],
        SearchParam =
        [
            new() { Name = "date", Type = SearchParamType.Date },
            new() { Name = "patient", Type = SearchParamType.Reference },
            new() { Name = "entity", Type = SearchParamType.Reference },
            new() { Name = "agent", Type = SearchParamType.Reference, Documentation = "The client's name (API key name, JWT client_id or sub)" },
            new() { Name = "agent-name", Type = SearchParamType.String },
            new() { Name = "subtype", Type = SearchParamType.Token },
            new() { Name = "action", Type = SearchParamType.Token },
            new() { Name = "outcome", Type = SearchParamType.Token },
        ],
    };

    private static bool Decide(AuthorizationHandlerContext context, char letter)
    {
        var allowed = Allows(context.User, letter);
        if (!allowed && context.Resource is HttpContext http)
        {
            http.Items[Scopes.RefusalItem] = $"The audit trail needs the audit scope (API key scope 'audit'; JWT 'stmfhir.audit' or 'system/AuditEvent.{letter}')";
        }
        return allowed;
    }

    private static async Task<IResult> ReadAsync(string id, IResourceStore store, CancellationToken cancellationToken) =>
        await store.Audit().ReadAsync(id, cancellationToken).ConfigureAwait(false) is { } json
            ? new FhirJsonResult(StatusCodes.Status200OK, json)
            : Outcomes.NotFound($"AuditEvent/{id} is not known");

    private static async Task<IResult> SearchAsync(HttpRequest request, IResourceStore store, IOptions<FhirOptions> options, CancellationToken cancellationToken)
    {
        var parameters = request.Query.SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? ""))).ToList();
        var (query, problem) = AuditSearchParser.Parse(parameters, options.Value.DefaultPageSize, options.Value.MaxPageSize);
        if (query is null)
        {
            return Outcomes.BadRequest(problem!);
        }
        var page = await store.Audit().SearchAsync(query, cancellationToken).ConfigureAwait(false);
        var matches = page.Records.Select(r => new StoredResource("AuditEvent", r.Id, 1, DateTimeOffset.UnixEpoch, r.Json)).ToList();
        var baseUrl = FhirUrls.Base(request);
        return BundleJson.SearchSet(page.Total, matches, baseUrl,
            PageLinks.For($"{baseUrl}/AuditEvent", parameters, query.Count, query.Offset, matches.Count, page.Total));
    }
}
