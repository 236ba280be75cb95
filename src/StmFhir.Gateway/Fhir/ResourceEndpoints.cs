using System.Globalization;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Configuration;
using StmFhir.Gateway.Ingest;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// The REST interactions on stored resources: read, vread, history, search (type level) with paging, create (optionally
/// conditional with If-None-Exist), update (with If-Match) and delete (<see cref="DeleteEndpoints"/>). Each needs its SMART permission on the type (<see cref="FhirAccess"/>);
/// a write answers with the stored resource only to a credential that may also read it (else, or with
/// <c>Prefer: return=minimal</c>, with status, Location, ETag and Last-Modified only).
/// </summary>
internal static class ResourceEndpoints
{
    private const string Type = $"/{{type:{StoredTypeConstraint.Name}}}";

    public static IEndpointRouteBuilder MapFhirResources(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(FhirUrls.Prefix).ExcludeFromDescription();
        group.MapFhirSearch(Type);
        group.MapFhirHistory(Type);
        group.MapFhirConditionalUpdate(Type);
        group.MapFhirPatch(Type);
        group.MapFhirDelete(Type);
        // HEAD: the same answer without its body (Kestrel sends none for HEAD), for clients checking a version cheaply.
        group.MapMethods(Type + "/{id}", ["GET", "HEAD"], ReadAsync).RequireAuthorization(Scopes.PolicyFor(FhirInteraction.Read));
        group.MapGet(Type + "/{id}/_history", HistoryAsync).RequireAuthorization(Scopes.PolicyFor(FhirInteraction.History));
        group.MapMethods(Type + "/{id}/_history/{version}", ["GET", "HEAD"], VReadAsync).RequireAuthorization(Scopes.PolicyFor(FhirInteraction.VRead));
        group.MapPost(Type, CreateAsync).RequireAuthorization(Scopes.PolicyFor(FhirInteraction.Create));
        group.MapPut(Type + "/{id}", UpdateAsync).RequireAuthorization(Scopes.PolicyFor(FhirInteraction.Update));
        return app;
    }

    public static FhirJsonResult Found(StoredResource stored, int status = StatusCodes.Status200OK, string? location = null) => new(status, stored.Json)
    {
        ETag = stored.ETag,
        LastModified = stored.LastUpdated,
        Location = location,
    };

    private static async Task<IResult> ReadAsync(string type, string id, HttpRequest request, IResourceStore store, CancellationToken cancellationToken) =>
        await store.ReadAsync(type, id, cancellationToken).ConfigureAwait(false) is { } stored
            ? FoundUnlessCurrent(request, stored)
            : await DeleteEndpoints.GoneOrNotFoundAsync(store, type, id, cancellationToken).ConfigureAwait(false);

    private static async Task<IResult> VReadAsync(string type, string id, string version, HttpRequest request, IResourceStore store, CancellationToken cancellationToken) =>
        int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
        && await store.ReadVersionAsync(type, id, number, cancellationToken).ConfigureAwait(false) is { } stored
            ? stored.IsDeleted ? DeleteEndpoints.Gone(stored) : FoundUnlessCurrent(request, stored)
            : Outcomes.NotFound($"{type}/{id} has no version {version}");

    /// <summary>
    /// 304 Not Modified (with ETag and Last-Modified, no body) when the client's copy is this version: If-None-Match
    /// names its ETag (or is *), or, without If-None-Match, If-Modified-Since is not before its time (HTTP dates have
    /// whole seconds); else the resource.
    /// </summary>
    private static FhirJsonResult FoundUnlessCurrent(HttpRequest request, StoredResource stored)
    {
        var headers = request.GetTypedHeaders();
        var current = headers.IfNoneMatch.Count > 0
            ? headers.IfNoneMatch.Any(tag => tag.Tag == "*" || tag.Compare(new Microsoft.Net.Http.Headers.EntityTagHeaderValue(
                stored.ETag[2..], isWeak: true), useStrongComparison: false))
            : headers.IfModifiedSince is { } since && stored.LastUpdated.ToUnixTimeSeconds() <= since.ToUnixTimeSeconds();
        return current
            ? new FhirJsonResult(StatusCodes.Status304NotModified) { ETag = stored.ETag, LastModified = stored.LastUpdated }
            : Found(stored);
    }

    private static async Task<IResult> HistoryAsync(string type, string id, HttpRequest request, IResourceStore store, IOptions<FhirOptions> options,
        CancellationToken cancellationToken)
    {
        var parameters = SearchEndpoints.QueryParameters(request);
        var parsed = HistoryQueryParser.Parse(type, id, parameters, options.Value.SearchLimits());
        if (parsed.Query is not { } query)
        {
            return SearchEndpoints.Problems(parsed.Problems);
        }
        var result = await store.HistoryAsync(query with { MaxBytes = options.Value.MaxResponseBytes }, cancellationToken).ConfigureAwait(false);
        return result.Exists
            ? BundleJson.History(result.Total, result.Versions, FhirUrls.Base(request), PageLinks.For(
                $"{FhirUrls.Base(request)}/{type}/{id}/_history", parameters, query.Count, query.Offset, result.Versions.Count, result.Total))
            : Outcomes.NotFound($"{type}/{id} is not known");
    }

    private static async Task<IResult> CreateAsync(string type, HttpRequest request, FhirRequestReader reader, IngestService ingest,
        CancellationToken cancellationToken)
    {
        var body = await reader.ReadResourceOfTypeAsync(request, type, cancellationToken).ConfigureAwait(false);
        if (body.Value is not { } resource)
        {
            return body.Error!;
        }
        var ifNoneExist = request.Headers["If-None-Exist"].ToString();
        var change = new Change(ChangeMethod.Create, resource) { IfNoneExist = ifNoneExist.Length > 0 ? ifNoneExist : null };
        return Written(request, await ingest.IngestAsync(new ChangeSet([change], "fhir-rest"), resource, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<IResult> UpdateAsync(string type, string id, HttpRequest request, FhirRequestReader reader, IngestService ingest,
        CancellationToken cancellationToken)
    {
        var body = await reader.ReadResourceOfTypeAsync(request, type, cancellationToken).ConfigureAwait(false);
        if (body.Value is not { } resource)
        {
            return body.Error!;
        }
        if (resource.Id != id)
        {
            return Outcomes.BadRequest(resource.Id is null
                ? "An update needs the resource's id in the body, equal to the id in the URL"
                : "The id in the body differs from the id in the URL");
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
        var change = new Change(ChangeMethod.Update, resource) { IfMatchVersion = ifMatch };
        return Written(request, await ingest.IngestAsync(new ChangeSet([change], "fhir-rest"), resource, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// The answer to a create or update: the refusal, or 201/200 with the stored resource, its headers only, or (with
    /// <c>Prefer: return=OperationOutcome</c>) an OperationOutcome of the validator's warnings and information issues.
    /// </summary>
    internal static IResult Written(HttpRequest request, IngestOutcome outcome)
    {
        if (IngestAnswers.Refusal(outcome) is { } refusal)
        {
            return refusal;
        }
        var entry = outcome.Committed!.Entries[0];
        var stored = entry.Resource;
        var status = entry.Outcome == ChangeOutcome.Created ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        var location = FhirUrls.Version(request, stored.Type, stored.Id, stored.Version);
        if (AcceptedIssues.PrefersOutcome(request))
        {
            // The issues are about the resource the client sent, so a write-only credential may see them too.
            return new FhirJsonResult(status, AcceptedIssues.Outcome(AcceptedIssues.Of(outcome.Verdict)))
            {
                Location = location,
                ETag = stored.ETag,
                LastModified = stored.LastUpdated,
            };
        }
        // The stored body is what a read would return: a conditional create that matched, or an update, would otherwise
        // show a write-only credential the record it may not read (and which identifiers exist).
        return Scopes.CanRead(request.HttpContext.User, stored.Type) && !AcceptedIssues.PrefersMinimal(request)
            ? Found(stored, status, location)
            : new FhirJsonResult(status) { Location = location, ETag = stored.ETag, LastModified = stored.LastUpdated };
    }
}
