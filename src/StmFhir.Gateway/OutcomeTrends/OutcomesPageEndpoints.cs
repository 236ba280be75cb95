using System.Collections.Frozen;
using StmFhir.Gateway.ValidatorPage;

namespace StmFhir.Gateway.OutcomeTrends;

/// <summary>
/// <c>GET /patients/{id}/outcomes</c>: a page charting a patient's pain and range of motion over their STM sessions from
/// <c>GET /fhir/Patient/{id}/$stm-outcomes</c>, which asks for the user's API key. The page and its files hold no data and
/// are open to anyone, under the validator page's content security policy (same-origin scripts and styles, no inline
/// code). The charts are drawn by uPlot 1.6.32, served from the gateway itself (vendor/uplot/README.md).
/// </summary>
internal static class OutcomesPageEndpoints
{
    private static readonly FrozenDictionary<string, (byte[] Bytes, string ContentType)> s_files = new Dictionary<string, (byte[], string)>
    {
        ["index.html"] = (Read("index.html"), "text/html; charset=utf-8"),
        ["page.mjs"] = (Read("page.mjs"), "text/javascript; charset=utf-8"),
        ["page.css"] = (Read("page.css"), "text/css; charset=utf-8"),
        ["uPlot.esm.js"] = (Read("uPlot.esm.js"), "text/javascript; charset=utf-8"),
        ["uPlot.min.css"] = (Read("uPlot.min.css"), "text/css; charset=utf-8"),
        ["uPlot-LICENSE"] = (Read("uPlot-LICENSE"), "text/plain; charset=utf-8"),
    }.ToFrozenDictionary();

    public static IEndpointRouteBuilder MapOutcomesPage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/patients/{id}/outcomes", (HttpContext context) => Serve(context, "index.html")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/outcomes/{file}", (string file, HttpContext context) => Serve(context, file)).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static IResult Serve(HttpContext context, string name) =>
        s_files.TryGetValue(name, out var file) ? ValidatorPageEndpoints.Page(context, file.Bytes, file.ContentType) : Results.NotFound();

    private static byte[] Read(string name) => ValidatorPageEndpoints.ReadEmbedded($"StmFhir.Gateway.OutcomeTrends.{name}");
}
