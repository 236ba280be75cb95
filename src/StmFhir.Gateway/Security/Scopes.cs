using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using StmFhir.Exchange.Store;

namespace StmFhir.Gateway.Security;

/// <summary>
/// The authorization policies of the API. A credential's permissions are SMART scopes (see <see cref="ScopeGrant"/> and
/// <see cref="FhirAccess"/>): a JWT's <c>scope</c>/<c>scp</c> claim or roles, or an API key's configured
/// <c>read</c>/<c>write</c>, which stand for <c>stmfhir.read</c> (= <c>system/*.rs</c>) and <c>stmfhir.write</c>
/// (= <c>system/*.cud</c>).
/// </summary>
internal static class Scopes
{
    public const string Read = "read";
    public const string Write = "write";

    /// <summary>An API key's permission to read the audit trail (<c>stmfhir.audit</c>); neither read nor write grants it.</summary>
    public const string Audit = "audit";

    /// <summary>Policy: read on every type (<c>system/*.r</c>): the exchange status and outbox rows, which span all types.</summary>
    public const string ReadPolicy = "stmfhir.read";

    /// <summary>
    /// Policy: acting on the outbox (replaying dead letters, purging an orphaned target's rows), which spans all types:
    /// read and write on every type the gateway keeps (<c>system/*.cruds</c>, or an API key with read and write).
    /// </summary>
    public const string OperatePolicy = "stmfhir.operate";

    /// <summary>Policy: <c>POST /stm/sessions</c>, create and update on every type a session writes.</summary>
    public const string SessionPolicy = "stmfhir.sessions";

    /// <summary>Policy: <c>POST /fhir</c>, any grant at all; each entry is then decided on its own.</summary>
    public const string BundlePolicy = "stmfhir.bundle";

    /// <summary>Where a refusing policy leaves its reason for the 403's OperationOutcome.</summary>
    internal const string RefusalItem = "stmfhir.refusal";

    /// <summary>The policy of <paramref name="interaction"/> on the resource type in the route (<c>{type}</c>).</summary>
    public static string PolicyFor(FhirInteraction interaction) => "stmfhir.fhir." + interaction.ToString().ToLowerInvariant();

    /// <summary>Whether the credential may read <paramref name="type"/> (a write's answer carries the resource only then).</summary>
    public static bool CanRead(ClaimsPrincipal user, string type) => FhirAccess.Allows(user, FhirInteraction.Read, type);

    /// <summary>The scope claim an API key with permission <paramref name="scope"/> carries.</summary>
    public static string ClaimFor(string scope) => scope switch
    {
        Write => "stmfhir.write",
        Audit => "stmfhir.audit",
        _ => "stmfhir.read",
    };

    /// <summary>Registers every policy.</summary>
    public static AuthorizationBuilder AddGatewayPolicies(this AuthorizationBuilder builder)
    {
        foreach (var interaction in Enum.GetValues<FhirInteraction>())
        {
            builder.AddPolicy(PolicyFor(interaction), p => p.RequireAuthenticatedUser().RequireAssertion(c => Decide(c, interaction)));
        }
        return builder
            .AddPolicy(ReadPolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c =>
                Refuse(c, FhirAccess.Allows(c.User, FhirInteraction.Read, "*"), "The credential does not grant read on every type (system/*.rs or stmfhir.read)")))
            .AddPolicy(OperatePolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c =>
                Refuse(c, FhirAccess.Allows(c.User, FhirInteraction.Read, "*") && FhirAccess.AllowsWriting(c.User, SearchParameterCatalog.ResourceTypes),
                    "Acting on the outbox needs read and write on every type (system/*.cruds, or an API key with read and write)")))
            .AddPolicy(SessionPolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c =>
                Refuse(c, FhirAccess.AllowsWriting(c.User, SearchParameterCatalog.ResourceTypes),
                    $"A session writes {string.Join(", ", SearchParameterCatalog.ResourceTypes)}: the credential must grant create and update on each")))
            .AddPolicy(BundlePolicy, p => p.RequireAuthenticatedUser().RequireAssertion(c =>
                Refuse(c, FhirAccess.GrantsAnything(c.User), "The credential grants no FHIR permission")));
    }

    private static bool Decide(AuthorizationHandlerContext context, FhirInteraction interaction)
    {
        // An untyped route ($validate of any resource) is decided in the endpoint, once the body says the type.
        var type = (context.Resource as HttpContext)?.Request.RouteValues["type"] as string;
        return type is null
            ? Refuse(context, FhirAccess.GrantsAnything(context.User), "The credential grants no FHIR permission")
            : Refuse(context, FhirAccess.Permits(context.User, interaction, type), FhirAccess.Refusal(interaction, type));
    }

    private static bool Refuse(AuthorizationHandlerContext context, bool allowed, string reason)
    {
        if (!allowed && context.Resource is HttpContext http)
        {
            http.Items[RefusalItem] = reason;
        }
        return allowed;
    }
}
