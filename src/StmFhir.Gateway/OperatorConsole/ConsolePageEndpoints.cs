using System.Collections.Frozen;
using StmFhir.Gateway.ValidatorPage;

namespace StmFhir.Gateway.OperatorConsole;

/// <summary>
/// <c>GET /console</c>: the operator console. Per target its state, queue, oldest waiting row, circuit breaker, token and
/// last error; the dead letters with the target's OperationOutcome, filtered as typed, replayed one by one or all at
/// once; an orphaned target's rows purged; the recent pulls; refreshed every few seconds without reloading. The page and
/// its files hold no data and are open to anyone, under the validator page's content security policy (same-origin
/// scripts and styles, no inline code; everything from the server is shown as text). Its data comes from
/// <c>GET /exchange/status</c> (read scope) and its actions go to <c>POST /exchange/.../$replay|$purge</c> (read and
/// write), with the API key the operator types (kept in the tab's sessionStorage).
/// </summary>
internal static class ConsolePageEndpoints
{
    private static readonly FrozenDictionary<string, (byte[] Bytes, string ContentType)> s_files = new Dictionary<string, (byte[], string)>
    {
        ["index.html"] = (Read("index.html"), "text/html; charset=utf-8"),
        ["console.mjs"] = (Read("console.mjs"), "text/javascript; charset=utf-8"),
        ["console.css"] = (Read("console.css"), "text/css; charset=utf-8"),
    }.ToFrozenDictionary();

    /// <summary>Maps <c>GET /console</c> and its files under <c>/console/</c>.</summary>
    public static IEndpointRouteBuilder MapOperatorConsole(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/console").AllowAnonymous().ExcludeFromDescription();
        group.MapGet("", (HttpContext context) => Serve(context, "index.html"));
        group.MapGet("/{file}", (string file, HttpContext context) => Serve(context, file));
        return app;
    }

    private static IResult Serve(HttpContext context, string name) =>
        s_files.TryGetValue(name, out var file) ? ValidatorPageEndpoints.Page(context, file.Bytes, file.ContentType) : Results.NotFound();

    private static byte[] Read(string name) => ValidatorPageEndpoints.ReadEmbedded($"StmFhir.Gateway.OperatorConsole.{name}");
}
