namespace StmFhir.Gateway.Health;

/// <summary>Liveness endpoint.</summary>
internal static class HealthEndpoints
{
    /// <summary>Maps <c>GET /healthz</c>, which answers 200 while the process serves requests.</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => Results.Text("ok"));
        return app;
    }
}
