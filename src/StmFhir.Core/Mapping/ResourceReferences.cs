using Hl7.Fhir.Model;

namespace StmFhir.Core.Mapping;

/// <summary>The one walk over every Reference in a resource (contained resources and extensions included).</summary>
public static class ResourceReferences
{
    /// <summary>Calls <paramref name="action"/> for every <see cref="ResourceReference"/> in or below <paramref name="node"/>.</summary>
    public static void ForEach(Base node, Action<ResourceReference> action)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(action);
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
                    ForEach(child, action);
                    break;
                case IEnumerable<Base> children:
                    foreach (var child in children)
                    {
                        ForEach(child, action);
                    }
                    break;
            }
        }
    }
}
