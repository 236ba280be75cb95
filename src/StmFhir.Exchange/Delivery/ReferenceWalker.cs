using Hl7.Fhir.Model;

namespace StmFhir.Exchange.Delivery;

/// <summary>Finds every Reference in a resource, contained resources and extensions included.</summary>
internal static class ReferenceWalker
{
    public static void Each(Base node, Action<ResourceReference> action)
    {
        if (node is ResourceReference reference)
        {
            action(reference);
        }
        else if (node is PrimitiveType { Extension.Count: 0 })
        {
            // Most elements are primitives; only their extensions could hold a Reference.
            return;
        }
        foreach (var (_, value) in node.EnumerateElements())
        {
            switch (value)
            {
                case Base child:
                    Each(child, action);
                    break;
                case IEnumerable<Base> children:
                    foreach (var child in children)
                    {
                        Each(child, action);
                    }
                    break;
            }
        }
    }
}
