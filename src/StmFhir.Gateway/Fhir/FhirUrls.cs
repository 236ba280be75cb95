using Microsoft.Extensions.Options;
using StmFhir.Gateway.Configuration;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// Absolute URLs the gateway writes: from <c>Fhir:PublicBaseUrl</c> when it is set, else from the request's scheme,
/// Host (one of <c>AllowedHosts</c>, see <see cref="Security.HostFilterMiddleware"/>) and path base.
/// </summary>
internal static class FhirUrls
{
    public const string Prefix = "/fhir";

    /// <summary>The gateway's root as clients reach it, without a trailing slash.</summary>
    public static string Root(HttpRequest request) =>
        request.HttpContext.RequestServices.GetRequiredService<IOptions<PublicAddressOptions>>().Value.BaseUrl
        ?? $"{request.Scheme}://{request.Host}{request.PathBase}";

    public static string Base(HttpRequest request) => Root(request) + Prefix;

    public static string Resource(HttpRequest request, string type, string id) => $"{Base(request)}/{type}/{id}";

    public static string Version(HttpRequest request, string type, string id, int version) => $"{Base(request)}/{type}/{id}/_history/{version}";
}
