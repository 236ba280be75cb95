using Hl7.Fhir.Model;

namespace StmFhir.Exchange.Storage;

/// <summary>Rewrites references to Bundle fullUrls (<c>urn:uuid:...</c>) into the stored <c>Type/id</c> they became.</summary>
internal static class ReferenceRewriter
{
    public static void Rewrite(Base element, IReadOnlyDictionary<string, string> targets)
    {
        if (element is ResourceReference { Reference: { } reference } r && targets.TryGetValue(reference, out var target))
        {
            r.Reference = target;
        }
        foreach (var (_, value) in element.EnumerateElements())
        {
            switch (value)
            {
                case Base child:
                    Rewrite(child, targets);
                    break;
                case IEnumerable<Base> children:
                    foreach (var child in children)
                    {
                        Rewrite(child, targets);
                    }
                    break;
            }
        }
    }
}
