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
    public static bool Run(JsonElement root, JsonFieldReader r) => Walk(root, "$", 0, r);

    private static bool Walk(JsonElement element, string path, int depth, JsonFieldReader r)
    {
        if (depth > StmSessionReader.MaxDepth)
        {
            r.Problem(path, $"nests deeper than {StmSessionReader.MaxDepth} levels");
            return true;
        }
        var decodable = true;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    if (!TryDecode(() => property.Name, out var name))
                    {
                        r.Problem(path, "has a property name that is not valid Unicode (bad UTF-8 or an unpaired surrogate escape)");
                        decodable = false;
                        continue;
                    }
                    var at = JsonFieldReader.Child(path, name);
                    if (!seen.Add(name))
                    {
                        r.Problem(at, "is given more than once");
                    }
                    decodable &= Walk(property.Value, at, depth + 1, r);
                }
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    decodable &= Walk(item, $"{path}[{index++}]", depth + 1, r);
                }
                break;
            case JsonValueKind.String:
                if (!TryDecode(element.GetString, out _))
                {
                    r.Problem(path, "is not valid Unicode text (bad UTF-8 or an unpaired surrogate escape)");
                    decodable = false;
                }
                break;
        }
        return decodable;
    }

    private static bool TryDecode(Func<string?> decode, out string text)
    {
        try
        {
            text = decode() ?? "";
            return true;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json validates UTF-8 and \u escapes in strings lazily, on first decode.
            text = "";
            return false;
        }
    }
}
