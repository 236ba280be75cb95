using System.Security.Claims;

namespace StmFhir.Gateway.Security;

/// <summary>
/// The two permissions of the API and the authorization policies that require them. A JWT grants them by scope
/// (<c>stmfhir.read</c>, <c>stmfhir.write</c>, or SMART's <c>system/*.read</c>, <c>system/*.write</c>, <c>system/*.*</c>,
/// in <c>scope</c> or <c>scp</c>) or by role of the same name; an API key by its configured scopes.
/// </summary>
internal static class Scopes
{
    public const string Read = "read";
    public const string Write = "write";

    /// <summary>Policy: read patient data (FHIR read, vread, search, history).</summary>
    public const string ReadPolicy = "stmfhir.read";

    /// <summary>Policy: write patient data (STM intake, FHIR create, update, transaction, batch).</summary>
    public const string WritePolicy = "stmfhir.write";

    /// <summary>Policy: validate (<c>$validate</c>): read or write, so a token without any StmFhir scope cannot spend validation time.</summary>
    public const string ValidatePolicy = "stmfhir.validate";

    private static readonly string[] s_readGrants = ["stmfhir.read", "system/*.read", "user/*.read", "system/*.*", "user/*.*"];
    private static readonly string[] s_writeGrants = ["stmfhir.write", "system/*.write", "user/*.write", "system/*.*", "user/*.*"];

    public static bool CanRead(ClaimsPrincipal user) => Grants(user, s_readGrants);

    public static bool CanWrite(ClaimsPrincipal user) => Grants(user, s_writeGrants);

    /// <summary>The scope claim an API key with permission <paramref name="scope"/> carries.</summary>
    public static string ClaimFor(string scope) => scope == Write ? "stmfhir.write" : "stmfhir.read";

    private static bool Grants(ClaimsPrincipal user, string[] grants) =>
        user.Identity?.IsAuthenticated == true
        && user.Claims.Any(c => c.Type switch
        {
            "scope" or "scp" => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(grants.Contains),
            "role" or "roles" or ClaimTypes.Role => grants.Contains(c.Value),
            _ => false,
        });
}
