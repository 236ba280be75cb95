using System.Text.Json;

namespace StmFhir.Core.Validation.Input;

/// <summary>What the reader's one pass asks of a JSON string or name beyond the syntax.</summary>
internal static class JsonText
{
    /// <summary>Whether the string or name at the reader is text: valid UTF-8, and escapes that decode (no lone surrogate).</summary>
    public static bool IsText(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return System.Text.Unicode.Utf8.IsValid(reader.ValueSpan);
        }
        try
        {
            _ = reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
