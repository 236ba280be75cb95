using System.Text.Json;

namespace StmFhir.Core.Validation.Input;

/// <summary>
/// What counts toward the most elements one JSON input may hold (the gateway's Fhir:MaxElements): each object and each
/// value, array items each; property names, arrays themselves and closing tokens do not. FHIR input is counted inside
/// the reader's one pass; an STM session body, which that pass does not read, is counted by <see cref="MoreThan"/>.
/// </summary>
public static class JsonElements
{
    /// <summary>How the refusal names what was counted.</summary>
    public const string Counted = "JSON objects and values, each array item counted";

    /// <summary>Whether the token at a reader counts as one element.</summary>
    public static bool Counts(JsonTokenType token) =>
        token is not (JsonTokenType.PropertyName or JsonTokenType.StartArray or JsonTokenType.EndArray or JsonTokenType.EndObject
            or JsonTokenType.Comment or JsonTokenType.None);

    /// <summary>
    /// Whether <paramref name="json"/> holds more than <paramref name="limit"/> elements, by a forward-only pass that
    /// stops at the limit. An element takes at least two bytes (<c>1,</c>), so a body too short to hold more is not
    /// read at all. Text that is not JSON counts as not more: whoever reads it next says where it breaks.
    /// </summary>
    public static bool MoreThan(ReadOnlySpan<byte> json, int limit)
    {
        if (json.Length / 2 < limit)
        {
            return false;
        }
        var reader = new Utf8JsonReader(json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? json[3..] : json,
            new JsonReaderOptions { MaxDepth = FhirReadOptions.MaxDepthLimit });
        var elements = 0;
        try
        {
            while (reader.Read())
            {
                if (Counts(reader.TokenType) && ++elements > limit)
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the caller's reader answers it.
        }
        return false;
    }
}
