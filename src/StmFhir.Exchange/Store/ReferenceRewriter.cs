using Hl7.Fhir.Model;

namespace StmFhir.Exchange.Store;

/// <summary>Rewrites references to Bundle fullUrls (<c>urn:uuid:...</c>) into the stored <c>Type/id</c> they became.</summary>
internal static class ReferenceRewriter
{
    public static void Rewrite(Base element, IReadOnlyDictionary<string, string> targets) =>
        StmFhir.Core.Mapping.ResourceReferences.ForEach(element, r =>
        {
            if (r.Reference is { } reference && targets.TryGetValue(reference, out var target))
            {
                r.Reference = target;
            }
        });
}
