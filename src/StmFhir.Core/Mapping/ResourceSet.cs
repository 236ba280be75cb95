using Hl7.Fhir.Model;

namespace StmFhir.Core.Mapping;

/// <summary>
/// The resources a reverse mapping reads, indexed so references resolve whether they are Bundle-internal
/// (<c>urn:uuid:...</c> fullUrls) or server-relative (<c>Type/id</c>, as in resources pulled from a server).
/// </summary>
internal sealed class ResourceSet
{
    private readonly Dictionary<string, Resource> _byReference = new(StringComparer.Ordinal);

    public ResourceSet(IEnumerable<(string? FullUrl, Resource Resource)> entries)
    {
        foreach (var (fullUrl, resource) in entries)
        {
            All.Add(resource);
            if (fullUrl is not null)
            {
                _byReference.TryAdd(fullUrl, resource);
            }
            if (resource.Id is { } id)
            {
                _byReference.TryAdd($"{resource.TypeName}/{id}", resource);
            }
            if (fullUrl is not null && resource.Id is { } id2 && fullUrl.EndsWith($"/{resource.TypeName}/{id2}", StringComparison.Ordinal))
            {
                _byReference.TryAdd($"{resource.TypeName}/{id2}", resource);
            }
        }
    }

    public static ResourceSet Of(Bundle bundle) => new(bundle.Entry.Where(e => e.Resource is not null).Select(e => (e.FullUrl, e.Resource!)));

    public List<Resource> All { get; } = [];

    public T? Resolve<T>(ResourceReference? reference) where T : Resource
    {
        if (reference?.Reference is not { } target)
        {
            return null;
        }
        if (_byReference.TryGetValue(target, out var found) && found is T typed)
        {
            return typed;
        }
        // An absolute server URL: match on its trailing Type/id.
        var parts = target.Split('/');
        return parts.Length >= 2 && _byReference.TryGetValue($"{parts[^2]}/{parts[^1]}", out found) ? found as T : null;
    }

    /// <summary>True when <paramref name="reference"/> points at <paramref name="target"/>.</summary>
    public bool Refers(ResourceReference? reference, Resource target) => ReferenceEquals(Resolve<Resource>(reference), target);
}

/// <summary>Problems found while reading FHIR back into a session, each located by a FHIRPath expression.</summary>
internal sealed class MappingProblems
{
    public List<Sessions.SessionProblem> Items { get; } = [];

    public void Add(string expression, string message) => Items.Add(new Sessions.SessionProblem(expression, message));

    /// <summary>Returns <paramref name="value"/>, or records that <paramref name="expression"/> is missing or unreadable.</summary>
    public T? Require<T>(T? value, string expression, string what = "is missing or not understood") where T : class
    {
        if (value is null)
        {
            Add(expression, what);
        }
        return value;
    }

    public T? Require<T>(T? value, string expression, string what = "is missing or not understood") where T : struct
    {
        if (value is null)
        {
            Add(expression, what);
        }
        return value;
    }
}
