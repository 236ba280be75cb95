using StmFhir.Exchange.Store;
using StmFhir.Gateway.Package;
using StmFhir.Gateway.Validation;

namespace StmFhir.Gateway.Health;

/// <summary>Readiness report.</summary>
/// <param name="Status">ready or not-ready.</param>
/// <param name="Database">The store's kind and whether it answers.</param>
/// <param name="Profiles">How many conformance resources were loaded, and any problems.</param>
/// <param name="Validator">Whether the validation engine is warmed up.</param>
internal sealed record Readiness(string Status, string Database, string Profiles, string Validator);

/// <summary>Liveness and readiness endpoints, open to anyone.</summary>
internal static class HealthEndpoints
{
    /// <summary>Maps <c>GET /healthz</c> (the process serves requests) and <c>GET /readyz</c> (database reachable, profiles loaded, validator warm).</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"))
            .WithTags("Health").WithSummary("Liveness: 200 while the process serves requests").Produces<string>(contentType: "text/plain");
        app.MapGet("/readyz", ReadyAsync)
            .WithTags("Health").WithSummary("Readiness: 200 when the database answers, the profiles are loaded and the validator is warm; else 503")
            .Produces<Readiness>().Produces<Readiness>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<IResult> ReadyAsync(IResourceStore store, ProfileCatalog catalog, IResourceValidator validator, CancellationToken cancellationToken)
    {
        var database = await store.IsReachableAsync(cancellationToken).ConfigureAwait(false);
        var ready = database && catalog.IsLoaded && validator.IsReady;
        var report = new Readiness(
            ready ? "ready" : "not-ready",
            $"{store.Kind}: {(database ? "reachable" : "unreachable")}",
            catalog.IsLoaded ? $"{catalog.Count} loaded" : $"not loaded: {string.Join("; ", catalog.Problems.DefaultIfEmpty("no profiles"))}",
            validator.IsReady ? "ready" : "warming up or unavailable");
        return TypedResults.Json(report, statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
