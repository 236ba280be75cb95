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
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly FrozenDictionary<string, (byte[] Bytes, string ContentType)> s_files = new Dictionary<string, (byte[], string)>
    {
        ["index.html"] = (Read("index.html"), "text/html; charset=utf-8"),
        ["page.mjs"] = (Read("page.mjs"), "text/javascript; charset=utf-8"),
        ["page.css"] = (Read("page.css"), "text/css; charset=utf-8"),
    }.ToFrozenDictionary();

    public static IEndpointRouteBuilder MapValidatorPage(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/validate").AllowAnonymous().ExcludeFromDescription();
        group.MapGet("", (HttpContext context) => Serve(context, "index.html"));
        group.MapGet("/{file}", (string file, HttpContext context) => Serve(context, file));
        return app;
    }

    private static IResult Serve(HttpContext context, string name)
    {
        if (!s_files.TryGetValue(name, out var file))
        {
            return Results.NotFound();
        }
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
        return Results.Bytes(file.Bytes, file.ContentType);
    }

    private static byte[] Read(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"StmFhir.Gateway.ValidatorPage.{name}")
            ?? throw new InvalidOperationException($"The validator page's {name} is not embedded in the gateway");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
