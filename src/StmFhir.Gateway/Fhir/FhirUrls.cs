namespace StmFhir.Gateway.Fhir;

/// <summary>Absolute URLs of the FHIR facade, from the request's scheme, host and path base.</summary>
internal static class FhirUrls
{
    public const string Prefix = "/fhir";

    public static string Base(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}{Prefix}";

    public static string Resource(HttpRequest request, string type, string id) => $"{Base(request)}/{type}/{id}";

    public static string Version(HttpRequest request, string type, string id, int version) => $"{Base(request)}/{type}/{id}/_history/{version}";
}
