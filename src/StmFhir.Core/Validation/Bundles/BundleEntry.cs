using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation.Bundles;

/// <summary>What the Bundle rules read of one entry, read once.</summary>
internal sealed record BundleEntry(int Index, string? FullUrl, Resource? Resource, string? ResourceId, string? VersionId, string? Method, string? RequestUrl)
{
    /// <summary>The entries of a Bundle, in order, with their index in <c>Bundle.entry</c>.</summary>
    public static IReadOnlyList<BundleEntry> ReadAll(Resource bundle)
    {
        var entries = BundleElements.Many(bundle, "entry");
        var read = new List<BundleEntry>(entries.Count);
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i] is not { } entry)
            {
                continue;
            }
            var resource = entry.TryGetValue("resource", out var value) ? value as Resource : null;
            var request = BundleElements.One(entry, "request");
            read.Add(new BundleEntry(
                i,
                BundleElements.Text(entry, "fullUrl"),
                resource,
                resource is null ? null : BundleElements.Text(resource, "id"),
                resource is not null && BundleElements.One(resource, "meta") is { } meta ? BundleElements.Text(meta, "versionId") : null,
                request is null ? null : BundleElements.Text(request, "method"),
                request is null ? null : BundleElements.Text(request, "url")));
        }
        return read;
    }
}

/// <summary>
/// Elements read by name, never through the typed properties: syntax-only parsing keeps a single value where a list
/// belongs, a list where one value belongs and values of the wrong type, and the properties then throw (validation
/// reports those shapes). A value of an unexpected shape reads as absent.
/// </summary>
internal static class BundleElements
{
    /// <summary>The text of a primitive child, or null.</summary>
    public static string? Text(Base node, string name) =>
        node.TryGetValue(name, out var value) && value is PrimitiveType { JsonValue: string text } ? text : null;

    /// <summary>A child that is one element, or null.</summary>
    public static Base? One(Base node, string name) =>
        node.TryGetValue(name, out var value) && value is Base single ? single : null;

    /// <summary>A repeating child's elements (one element given alone counts as a list of one).</summary>
    public static IReadOnlyList<Base> Many(Base node, string name) =>
        node.TryGetValue(name, out var value) ? value switch
        {
            IReadOnlyList<Base> list => list,
            Base single => [single],
            _ => [],
        } : [];
}
