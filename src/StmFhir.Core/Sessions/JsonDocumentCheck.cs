using System.Text.Json;

namespace StmFhir.Core.Sessions;

/// <summary>
/// One walk over the whole document before its fields are read: finds repeated property names (with the path of the
/// repeat, which the parser's own duplicate check cannot give) and text that cannot be decoded, which would make
/// <see cref="JsonElement.GetString"/> throw later.
/// </summary>
internal static class JsonDocumentCheck
{
    /// <summary>Records each problem in <paramref name="r"/>; false when some text cannot be decoded.</summary>
    public static bool Run(JsonElement root, JsonFieldReader r, int maxDepth) => Walk(root, [], 0, maxDepth, r);

    // The path is kept as segments and rendered only for a problem: building a string per node cost more than the walk.
    private readonly record struct Segment(string? Name, int Index);

    private static string Render(List<Segment> path)
    {
        var text = "$";
        foreach (var segment in path)
        {
            text = segment.Name is { } name ? JsonFieldReader.Child(text, name) : $"{text}[{segment.Index}]";
        }
        return text;
    }

    // Long method: one recursive walk with a case per JSON token kind; each case is short and they share the path.
    private static bool Walk(JsonElement element, List<Segment> path, int depth, int maxDepth, JsonFieldReader r)
    {
        if (depth > maxDepth)
        {
            r.Problem(Render(path), $"nests deeper than {maxDepth} levels");
            return true;
        }
        var decodable = true;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                HashSet<string>? seen = null;
                string? first = null;
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        // System.Text.Json validates UTF-8 and \u escapes lazily, on first decode.
                        r.Problem(Render(path), "has a property name that is not valid Unicode (bad UTF-8 or an unpaired surrogate escape)");
                        decodable = false;
                        continue;
                    }
                    path.Add(new Segment(name, 0));
                    // A set is made only from the second property on (many objects have one).
                    bool repeated;
                    if (first is null)
                    {
                        first = name;
                        repeated = false;
                    }
                    else
                    {
                        seen ??= new HashSet<string>(StringComparer.Ordinal) { first };
                        repeated = !seen.Add(name);
                    }
                    if (repeated)
                    {
                        r.Problem(Render(path), "is given more than once");
                    }
                    decodable &= Walk(property.Value, path, depth + 1, maxDepth, r);
                    path.RemoveAt(path.Count - 1);
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    path.Add(new Segment(null, index++));
                    decodable &= Walk(item, path, depth + 1, maxDepth, r);
                    path.RemoveAt(path.Count - 1);
                }
                break;
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                }
                catch (InvalidOperationException)
                {
                    r.Problem(Render(path), "is not valid Unicode text (bad UTF-8 or an unpaired surrogate escape)");
                    decodable = false;
                }
                break;
        }
        return decodable;
    }
}
