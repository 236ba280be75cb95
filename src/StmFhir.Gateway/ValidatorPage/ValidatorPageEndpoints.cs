using System.Collections.Frozen;
using System.Reflection;

namespace StmFhir.Gateway.ValidatorPage;

/// <summary>
/// <c>GET /validate</c>: a page where developers paste or pick a resource or Bundle and see the issues the engine finds.
/// The page and its script are open to anyone (they hold no data); the validation itself goes through
/// <c>POST /fhir/$validate</c>, which asks for the user's API key.
/// </summary>
internal static class ValidatorPageEndpoints
{
    // Same-origin scripts and styles only, no inline code: what the page shows from a file or the server cannot run.
    internal const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly FrozenDictionary<string, (byte[] Bytes, string ContentType)> s_files = new Dictionary<string, (byte[], string)>
    {
        ["index.html"] = (Read("index.html"), "text/html; charset=utf-8"),
        ["page.mjs"] = (Read("page.mjs"), "text/javascript; charset=utf-8"),
        ["locate.mjs"] = (Read("locate.mjs"), "text/javascript; charset=utf-8"),
        ["page.css"] = (Read("page.css"), "text/css; charset=utf-8"),
    }.ToFrozenDictionary();

    public static IEndpointRouteBuilder MapValidatorPage(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/validate").AllowAnonymous().ExcludeFromDescription();
        group.MapGet("", (HttpContext context) => Serve(context, "index.html"));
        group.MapGet("/{file}", (string file, HttpContext context) => Serve(context, file));
        return app;
    }

    private static IResult Serve(HttpContext context, string name) =>
        s_files.TryGetValue(name, out var file) ? Page(context, file.Bytes, file.ContentType) : Results.NotFound();

    /// <summary>A page file with the pages' security headers (the outcomes page uses them too).</summary>
    internal static IResult Page(HttpContext context, byte[] bytes, string contentType)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        return Results.Bytes(bytes, contentType);
    }

    private static byte[] Read(string name) => ReadEmbedded($"StmFhir.Gateway.ValidatorPage.{name}");

    /// <summary>An embedded page file by its logical name.</summary>
    internal static byte[] ReadEmbedded(string logicalName)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(logicalName)
            ?? throw new InvalidOperationException($"The page file {logicalName} is not embedded in the gateway");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
