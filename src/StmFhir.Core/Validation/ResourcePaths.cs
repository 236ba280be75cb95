using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation;

/// <summary>A resource and, if it is a Bundle, each entry's resource, with the FHIRPath expression that reaches it.</summary>
internal static class ResourcePaths
{
    /// <remarks>
    /// Read through the elements, not the typed properties: syntax-only parsing keeps a single value where a list
    /// belongs and a list where one value belongs, and the properties then throw (validation reports the shape).
    /// </remarks>
    public static IEnumerable<(Resource Resource, string Path)> Of(Resource root)
    {
        yield return (root, root.TypeName);
        if (root is Bundle && root.TryGetValue("entry", out var entries) && entries is IReadOnlyList<Base> list)
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] is { } entry && entry.TryGetValue("resource", out var value) && value is Resource resource)
                {
                    yield return (resource, $"Bundle.entry[{i}].resource");
                }
            }
        }
    }
}
