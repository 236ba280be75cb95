using System.Collections.Concurrent;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation.FastPath;

/// <summary>
/// A POCO's elements read by name, in the order <see cref="Base.EnumerateElements"/> gives them, through
/// <see cref="Base.TryGetValue"/>: for a POCO without overflow that reads the same elements in the same order (a
/// test checks it on every sample, generated sessions and every type the memo fingerprints), without the dictionary
/// and chain of iterators <see cref="Base.EnumerateElements"/> allocates on each call.
/// </summary>
internal static class PocoElements
{
    private static readonly ConcurrentDictionary<Type, (ClassMapping? Mapping, string[] Names)> Elements = new();

    /// <summary>The class mapping of a POCO type and the names of its elements (not a primitive's value), in order.</summary>
    public static (ClassMapping? Mapping, string[] Names) Of(Type type) =>
        Elements.GetOrAdd(type, static t => ModelInfo.ModelInspector.FindClassMapping(t) is { } mapping
            ? (mapping, [.. mapping.PropertyMappings.Where(static p => !p.RepresentsValueElement).OrderBy(static p => p.Order).Select(static p => p.Name)])
            : (null, []));

    /// <summary>The elements read from a POCO without overflow, in order.</summary>
    public static IEnumerable<KeyValuePair<string, object>> Read(Base value)
    {
        foreach (var name in Of(value.GetType()).Names)
        {
            if (value.TryGetValue(name, out var child))
            {
                yield return new(name, child);
            }
        }
    }

    /// <summary>
    /// Whether a POCO without overflow, of a type the model maps, has an element other than its id. False when unsure.
    /// </summary>
    public static bool HasElementBesidesId(Base value)
    {
        if (value.HasOverflow)
        {
            return false;
        }
        var (mapping, names) = Of(value.GetType());
        if (mapping is null)
        {
            return false;
        }
        foreach (var name in names)
        {
            if (name != "id" && value.TryGetValue(name, out _))
            {
                return true;
            }
        }
        return false;
    }
}
