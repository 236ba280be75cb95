using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.WebUtilities;

namespace StmFhir.Gateway.Security;

/// <summary>
/// What one scope grants: permissions (SMART v2 letters <c>c r u d s</c>) on one resource type or on every type
/// (<c>*</c>), optionally only for resources matching search parameters (<c>?code=...</c>).
/// </summary>
/// <param name="Type">A resource type, or <c>*</c> for every type.</param>
/// <param name="Permissions">The permission letters, a subset of <c>cruds</c>.</param>
/// <param name="Restrictions">SMART v2 <c>?param=value</c> restrictions; empty when the scope is not restricted.</param>
internal sealed partial record ScopeGrant(string Type, string Permissions, IReadOnlyList<KeyValuePair<string, string>> Restrictions)
{
    private static readonly ConditionalWeakTable<ClaimsPrincipal, IReadOnlyList<ScopeGrant>> s_cache = [];

    /// <summary>True when the grant covers <paramref name="type"/> with <paramref name="letter"/>.</summary>
    public bool Covers(string type, char letter) => (Type == "*" || Type == type) && Permissions.Contains(letter, StringComparison.Ordinal);

    /// <summary>
    /// Every grant of an authenticated principal, from its <c>scope</c>/<c>scp</c> claims (space-separated) and roles. A
    /// principal that is not authenticated has none. Parsed once per principal.
    /// </summary>
    public static IReadOnlyList<ScopeGrant> Of(ClaimsPrincipal user) => user.Identity?.IsAuthenticated == true
        ? s_cache.GetValue(user, Parse)
        : [];

    private static IReadOnlyList<ScopeGrant> Parse(ClaimsPrincipal user) =>
        [.. user.Claims.SelectMany(c => c.Type switch
        {
            "scope" or "scp" => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries),
            "role" or "roles" or ClaimTypes.Role => [c.Value],
            _ => [],
        }).Select(Parse).OfType<ScopeGrant>()];

    /// <summary>
    /// One scope as a grant, or null when it grants nothing here: not a StmFhir or SMART clinical scope, malformed
    /// (v2 letters out of order or repeated, a restriction on a v1 scope), or a <c>patient/</c> scope (the gateway has no
    /// patient context to confine it to; see docs/SECURITY.md).
    /// </summary>
    public static ScopeGrant? Parse(string scope)
    {
        switch (scope)
        {
            case "stmfhir.read":
                return new ScopeGrant("*", "rs", []);
            case "stmfhir.write":
                return new ScopeGrant("*", "cud", []);
        }
        var match = SmartScope().Match(scope);
        if (!match.Success || match.Groups["context"].Value == "patient")
        {
            return null;
        }
        var query = match.Groups["query"].Value;
        var permissions = match.Groups["permissions"].Value switch
        {
            "read" when query.Length == 0 => "rs",
            "write" when query.Length == 0 => "cud",
            "*" when query.Length == 0 => "cruds",
            "read" or "write" or "*" => null,
            var letters => letters,
        };
        if (permissions is null)
        {
            return null;
        }
        var restrictions = QueryHelpers.ParseQuery(query)
            .SelectMany(q => q.Value.Select(v => KeyValuePair.Create(q.Key, v ?? ""))).ToList();
        // A "?" with nothing usable after it would otherwise read as no restriction at all.
        return query.Length > 0 && (restrictions.Count == 0 || restrictions.Any(r => r.Key.Length == 0 || r.Value.Length == 0))
            ? null
            : new ScopeGrant(match.Groups["type"].Value, permissions, restrictions);
    }

    // v2 letters must appear in the order c, r, u, d, s, each at most once (SMART App Launch 2.x, "Scopes for requesting
    // FHIR resources"); "(?=.)" keeps an empty letter set out.
    [GeneratedRegex(@"^(?<context>system|user|patient)/(?<type>\*|[A-Z][A-Za-z]+)\.(?<permissions>read|write|\*|(?=[cruds])c?r?u?d?s?)(?<query>\?.*)?$",
        RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 100)]
    private static partial Regex SmartScope();
}
