using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation;

/// <summary>A resource and, if it is a Bundle, each entry's resource, with the FHIRPath expression that reaches it.</summary>
internal static class ResourcePaths
{
    public static IEnumerable<(Resource Resource, string Path)> Of(Resource root)
    {
        yield return (root, root.TypeName);
        if (root is Bundle bundle)
        {
            for (var i = 0; i < bundle.Entry.Count; i++)
            {
                if (bundle.Entry[i].Resource is { } resource)
                {
                    yield return (resource, $"Bundle.entry[{i}].resource");
                }
            }
        }
    }
}
