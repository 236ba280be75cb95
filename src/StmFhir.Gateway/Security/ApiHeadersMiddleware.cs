using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Primitives;

namespace StmFhir.Gateway.Security;

/// <summary>
/// Headers for answers that may carry patient data: <c>X-Content-Type-Options: nosniff</c> on every answer, and
/// <c>Cache-Control: no-store</c> on every <c>/fhir</c>, <c>/stm</c> and <c>/exchange</c> answer except the endpoints
/// open to anyone (the CapabilityStatement and the StmFhir package hold no patient data and may be cached). Pages and
/// health checks keep their own caching rules. Kestrel's <c>Server</c> header is off (see <c>KestrelSettings</c>).
/// </summary>
internal sealed class ApiHeadersMiddleware(RequestDelegate next)
{
    // Shared values: setting a header allocates nothing per request.
    private static readonly StringValues s_noSniff = "nosniff";
    private static readonly StringValues s_noStore = "no-store";

    public Task InvokeAsync(HttpContext context)
    {
        Apply(context);
        return next(context);
    }

    /// <summary>Sets the headers (again, after an error handler cleared the response).</summary>
    public static void Apply(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = s_noSniff;
        var path = context.Request.Path;
        if ((path.StartsWithSegments("/fhir") || path.StartsWithSegments("/stm") || path.StartsWithSegments("/exchange"))
            && context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is null)
        {
            headers.CacheControl = s_noStore;
        }
    }
}
