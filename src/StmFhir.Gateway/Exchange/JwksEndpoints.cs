using StmFhir.Exchange.Targets.Authentication;

namespace StmFhir.Gateway.Exchange;

/// <summary><c>GET /.well-known/jwks.json</c>: the public keys a hospital's authorization server checks StmFhir's assertions with.</summary>
internal static class JwksEndpoints
{
    /// <summary>How long a fetcher may keep the set: short, so that a key added for a rotation is seen within minutes.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Maps <c>GET /.well-known/jwks.json</c> (no credential: authorization servers fetch it anonymously): the public part
    /// of every key in <c>Exchange:SigningKeys</c>, and nothing private. During a rotation it lists both keys.
    /// </summary>
    public static IEndpointRouteBuilder MapJwks(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/jwks.json", (ISigningKeys keys, HttpContext context) =>
            {
                context.Response.Headers.CacheControl = $"public, max-age={(int)MaxAge.TotalSeconds}";
                return TypedResults.Bytes(keys.PublicJwkSet, "application/json");
            })
            .AllowAnonymous()
            .WithTags("Exchange")
            .WithSummary("The public parts of the gateway's SMART Backend Services signing keys (JWK set), for a hospital to register as the client's JWKS URL")
            .Produces(StatusCodes.Status200OK, contentType: "application/json");
        return app;
    }
}
