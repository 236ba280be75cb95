using System.Security.Claims;
using StmFhir.Exchange.Store;

namespace StmFhir.Gateway.Security;

/// <summary>A FHIR interaction a scope may grant on a resource type.</summary>
internal enum FhirInteraction
{
    Read,
    VRead,
    History,
    Search,
    Create,
    Update,
    Delete,
    Validate,
}

/// <summary>
/// Decides each FHIR interaction per resource type from the credential's scopes (<see cref="ScopeGrant"/>): read, vread
/// and instance history need <c>r</c>, search <c>s</c>, create <c>c</c>, update <c>u</c>, delete <c>d</c>, and <c>$validate</c> any
/// permission on the type. A restricted scope (<c>?param=value</c>) grants only searches, which it narrows; for every
/// other interaction it grants nothing, because the gateway cannot tell before running it whether the resource matches.
/// </summary>
internal static class FhirAccess
{
    /// <summary>True when the credential may do <paramref name="interaction"/> on <paramref name="type"/> without restriction.</summary>
    public static bool Allows(ClaimsPrincipal user, FhirInteraction interaction, string type)
    {
        var grants = ScopeGrant.Of(user);
        if (interaction == FhirInteraction.Validate)
        {
            return grants.Any(g => g.Restrictions.Count == 0 && "cruds".Any(letter => g.Covers(type, letter)));
        }
        var letter = Letter(interaction);
        return grants.Any(g => g.Restrictions.Count == 0 && g.Covers(type, letter));
    }

    /// <summary>True when the credential may create and update every one of <paramref name="types"/>.</summary>
    public static bool AllowsWriting(ClaimsPrincipal user, IEnumerable<string> types) =>
        types.All(t => Allows(user, FhirInteraction.Create, t) && Allows(user, FhirInteraction.Update, t));

    /// <summary>True when the credential grants anything at all (so a token without a clinical scope is refused early).</summary>
    public static bool GrantsAnything(ClaimsPrincipal user) => ScopeGrant.Of(user).Count > 0;

    /// <summary>
    /// The search parameters a search of <paramref name="type"/> must also match: empty for an unrestricted <c>s</c>
    /// grant, a restricted grant's parameters otherwise, or null when the credential may not search the type.
    /// </summary>
    /// <remarks>
    /// Several restricted grants are combined only when each restricts the same one parameter (their values become
    /// alternatives, <c>code=a,b</c>); otherwise the first usable one alone applies, a narrower search than the
    /// scopes allow, never a wider one. A restriction on a parameter the store does not index for the type grants nothing.
    /// </remarks>
    public static IReadOnlyList<KeyValuePair<string, string>>? SearchRestriction(ClaimsPrincipal user, string type)
    {
        var grants = ScopeGrant.Of(user).Where(g => g.Covers(type, 's')).ToList();
        if (grants.Any(g => g.Restrictions.Count == 0))
        {
            return [];
        }
        var usable = grants.Where(g => g.Restrictions.All(r => SearchParameterCatalog.Find(type, r.Key) is not null)).ToList();
        if (usable.Count == 0)
        {
            return null;
        }
        if (usable.Count > 1 && usable.All(g => g.Restrictions.Count == 1) && usable.Select(g => g.Restrictions[0].Key).Distinct().Count() == 1)
        {
            return [KeyValuePair.Create(usable[0].Restrictions[0].Key, string.Join(',', usable.Select(g => g.Restrictions[0].Value)))];
        }
        return usable[0].Restrictions;
    }

    /// <summary>True when the credential may do <paramref name="interaction"/> on <paramref name="type"/> at all (a restricted search counts).</summary>
    public static bool Permits(ClaimsPrincipal user, FhirInteraction interaction, string type) => interaction == FhirInteraction.Search
        ? SearchRestriction(user, type) is not null
        : Allows(user, interaction, type);

    /// <summary>The message of a 403 for <paramref name="interaction"/> on <paramref name="type"/>.</summary>
    public static string Refusal(FhirInteraction interaction, string type) => interaction == FhirInteraction.Validate
        ? $"The credential grants no permission on {type}, which $validate needs"
        : $"The credential does not grant {interaction.ToString().ToLowerInvariant()} on {type} (SMART permission '{Letter(interaction)}')";

    private static char Letter(FhirInteraction interaction) => interaction switch
    {
        FhirInteraction.Search => 's',
        FhirInteraction.Create => 'c',
        FhirInteraction.Update => 'u',
        FhirInteraction.Delete => 'd',
        _ => 'r',
    };
}
