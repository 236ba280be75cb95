using System.Security.Claims;
using Hl7.Fhir.Model;

namespace StmFhir.Gateway.Security;

/// <summary>Decides the entries of a transaction or batch Bundle, each as the REST interaction it stands for.</summary>
internal static class EntryAccess
{
    /// <summary>
    /// Why the credential may not run a write entry (POST = create, PUT = update, on the resource's type), or null when
    /// it may or when the entry is malformed (the store then refuses it with a 400 naming what is wrong).
    /// </summary>
    public static string? WriteRefusal(ClaimsPrincipal user, Bundle.EntryComponent entry)
    {
        var interaction = entry.Request?.Method switch
        {
            Bundle.HTTPVerb.POST => FhirInteraction.Create,
            Bundle.HTTPVerb.PUT => FhirInteraction.Update,
            _ => (FhirInteraction?)null,
        };
        var type = entry.Resource?.TypeName ?? entry.Request?.Url?.Split('?', '/')[0];
        return interaction is { } i && !string.IsNullOrEmpty(type) && !FhirAccess.Allows(user, i, type)
            ? FhirAccess.Refusal(i, type)
            : null;
    }

    /// <summary>
    /// Why the credential may not run a batch GET of <paramref name="path"/> (<c>Type</c> = search, <c>Type/id</c> =
    /// read, <c>Type/id/_history/n</c> = vread), or null when it may (or the path is none of these, answered as a 400).
    /// </summary>
    public static string? ReadRefusal(ClaimsPrincipal user, string[] path)
    {
        var interaction = path.Length switch
        {
            1 => FhirInteraction.Search,
            2 => FhirInteraction.Read,
            4 => FhirInteraction.VRead,
            _ => (FhirInteraction?)null,
        };
        return interaction is { } i && !FhirAccess.Permits(user, i, path[0]) ? FhirAccess.Refusal(i, path[0]) : null;
    }
}
