using System.Text.Json.Nodes;

namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>A place in a JSON tree: the value (null for a JSON null), where it hangs, and its path for messages.</summary>
/// <param name="Node">The value; null for JSON null.</param>
/// <param name="Parent">The object or array holding it; null for the root.</param>
/// <param name="Name">Its property name when the parent is an object.</param>
/// <param name="Index">Its index when the parent is an array.</param>
/// <param name="Path">A JSONPath-like location, e.g. <c>$.entry[2].resource.name[0].given</c>.</param>
/// <param name="Depth">Nesting depth (the root is 0).</param>
internal sealed record JsonPlace(JsonNode? Node, JsonNode? Parent, string? Name, int Index, string Path, int Depth)
{
    /// <summary>Puts <paramref name="value"/> where this place's value is.</summary>
    public void Replace(JsonNode? value)
    {
        switch (Parent)
        {
            case JsonObject o:
                o[Name!] = value;
                break;
            case JsonArray a:
                a[Index] = value;
                break;
            default:
                throw new InvalidOperationException("The root cannot be replaced in place");
        }
    }

    /// <summary>Takes this place's value out of its parent.</summary>
    public void Remove()
    {
        switch (Parent)
        {
            case JsonObject o:
                o.Remove(Name!);
                break;
            case JsonArray a:
                a.RemoveAt(Index);
                break;
        }
    }
}

/// <summary>Walks a JSON tree (System.Text.Json.Nodes), depth first, snapshotting each level so callers may edit.</summary>
internal static class JsonWalk
{
    public static IEnumerable<JsonPlace> Nodes(JsonNode root)
    {
        var stack = new Stack<JsonPlace>();
        stack.Push(new JsonPlace(root, null, null, -1, "$", 0));
        while (stack.Count > 0)
        {
            var place = stack.Pop();
            yield return place;
            switch (place.Node)
            {
                case JsonObject o:
                    foreach (var (name, value) in o.ToList().AsEnumerable().Reverse())
                    {
                        stack.Push(new JsonPlace(value, o, name, -1, $"{place.Path}.{name}", place.Depth + 1));
                    }
                    break;
                case JsonArray a:
                    for (var i = a.Count - 1; i >= 0; i--)
                    {
                        stack.Push(new JsonPlace(a[i], a, null, i, $"{place.Path}[{i}]", place.Depth + 1));
                    }
                    break;
            }
        }
    }

    /// <summary>A copy of <paramref name="node"/> (null stays null).</summary>
    public static JsonNode? Clone(JsonNode? node) => node?.DeepClone();
}
