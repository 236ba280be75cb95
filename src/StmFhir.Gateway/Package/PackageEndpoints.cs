using StmFhir.Exchange.Store;
using StmFhir.Gateway.Fhir;

namespace StmFhir.Gateway.Package;

/// <summary>
/// <c>GET /fhir/{StructureDefinition|ValueSet|CodeSystem|ImplementationGuide}[/{id}]</c>: the StmFhir package, open to
/// anyone (it holds no patient data), searchable by <c>url</c>, <c>name</c>, <c>version</c> and <c>_id</c>.
/// </summary>
internal static class PackageEndpoints
{
    private static readonly HashSet<string> s_parameters = ["url", "name", "version", "_id", "_count", "_format", "_pretty"];

    public static IEndpointRouteBuilder MapFhirPackage(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(FhirUrls.Prefix).ExcludeFromDescription().AllowAnonymous();
        group.MapGet($"/{{type:{PackageTypeConstraint.Name}}}/{{id}}", (string type, string id, ProfileCatalog catalog) =>
            catalog.Find(type, id) is { } found
                ? new FhirJsonResult(StatusCodes.Status200OK, found.Json)
                : Outcomes.NotFound($"{type}/{id} is not in the StmFhir package"));
        group.MapGet($"/{{type:{PackageTypeConstraint.Name}}}", Search);
        return app;
    }

    private static IResult Search(string type, HttpRequest request, ProfileCatalog catalog)
    {
        var unknown = request.Query.Keys.Where(k => !s_parameters.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            return Outcomes.BadRequest($"Unknown search parameter(s) for {type}: {string.Join(", ", unknown)}. Supported: {string.Join(", ", s_parameters)}");
        }
        string? Wanted(string name) => request.Query.TryGetValue(name, out var v) ? v.ToString() : null;
        var matches = catalog.OfType(type)
            .Where(r => Wanted("url") is not { } url || r.Url == url)
            .Where(r => Wanted("name") is not { } name || (r.Name?.StartsWith(name, StringComparison.OrdinalIgnoreCase) ?? false))
            .Where(r => Wanted("version") is not { } version || r.Version == version)
            .Where(r => Wanted("_id") is not { } id || id.Split(',').Contains(r.Id))
            .Select(r => new StoredResource(r.Type, r.Id, 1, DateTimeOffset.UnixEpoch, r.Json))
            .ToList();
        var self = $"{FhirUrls.Base(request)}/{type}{request.QueryString}";
        return BundleJson.SearchSet(matches.Count, matches, FhirUrls.Base(request), [("self", self)]);
    }
}

/// <summary>Route constraint: a conformance resource type served from the profiles folder.</summary>
internal sealed class PackageTypeConstraint : IRouteConstraint
{
    public const string Name = "package";

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && value is string type && ProfileCatalog.Types.Contains(type);
}
