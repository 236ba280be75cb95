using System.Collections;
using System.Globalization;
using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation;

/// <summary>Where a parsed resource's elements do not have the shape their definition gives them.</summary>
internal static class ElementShapes
{
    /// <summary>
    /// The FHIRPath location (e.g. <c>Observation.code.coding[0].system</c>) of the first element that holds a list
    /// where its definition allows one value, which recoverable parsing keeps; null when there is none.
    /// </summary>
    public static string? FirstRepeatedSingle(Resource resource) => Find(resource, resource.TypeName, 0);

    private static string? Find(Base node, string path, int depth)
    {
        if (depth > 64)
        {
            return null;
        }
        var mapping = ModelInfo.ModelInspector.FindClassMapping(node.GetType());
        foreach (var (name, value) in node.EnumerateElements())
        {
            var here = $"{path}.{name}";
            var declaredList = mapping?.FindMappedElementByName(name)?.IsCollection;
            if (value is IList list)
            {
                if (declaredList == false)
                {
                    return here;
                }
                for (var i = 0; i < list.Count; i++)
                {
                    if (list[i] is Base item && Find(item, here + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", depth + 1) is { } found)
                    {
                        return found;
                    }
                }
            }
            else if (value is Base child && Find(child, here, depth + 1) is { } found)
            {
                return found;
            }
        }
        return null;
    }
}
