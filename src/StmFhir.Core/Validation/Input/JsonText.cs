using System.Buffers;
using System.Text.Json;

namespace StmFhir.Core.Validation.Input;

/// <summary>What the reader's one pass asks of a JSON string or name beyond the syntax.</summary>
internal static class JsonText
{
    /// <summary>Whether the string or name at the reader is text: valid UTF-8, and escapes that decode (no lone surrogate).</summary>
    public static bool IsText(ref Utf8JsonReader reader) => Characters(ref reader) >= 0;

    /// <summary>
    /// The most characters of a FHIR string: R4 says strings SHALL NOT exceed 1 MB. A longer one is refused before the
    /// parser sees it; Firely's parser and validator quote a bad value in every message about it, which for a value of
    /// megabytes cost a hundred MB per request.
    /// </summary>
    public const int MaxStringCharacters = 1024 * 1024;

    /// <summary>Bytes beyond which a JSON string may hold more than <see cref="MaxStringCharacters"/> characters.</summary>
    public const int MaxStringBytes = MaxStringCharacters;

    /// <summary>
    /// One look at a string value: -1 when it is not text (see <see cref="IsText"/>); otherwise its characters when it
    /// may hold more than <see cref="MaxStringCharacters"/>, and a count no larger than that when it cannot. An escaped
    /// string is decoded once for both answers.
    /// </summary>
    public static int Characters(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            return Decoded(ref reader);
        }
        var bytes = reader.ValueSpan;
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return -1;
        }
        // A character takes at least one byte, so a string of few bytes cannot be over the limit.
        return bytes.Length > MaxStringBytes ? System.Text.Encoding.UTF8.GetCharCount(bytes) : bytes.Length;
    }

    /// <summary>
    /// The characters of the escaped string at the reader, decoded into a pooled buffer rather than a new string (a
    /// hostile body's megabyte strings would otherwise each land on the large object heap); -1 when it is not text.
    /// </summary>
    private static int Decoded(ref Utf8JsonReader reader)
    {
        // Unescaping never lengthens: each byte gives at most one UTF-16 character.
        var buffer = ArrayPool<char>.Shared.Rent(reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length);
        try
        {
            return reader.CopyString(buffer);
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Whether the element at <paramref name="path"/> may exceed the string limit: base64Binary <c>data</c>
    /// (Attachment, Binary) and a narrative's <c>div</c> are not FHIR strings.
    /// </summary>
    public static bool MayBeLong(string path) =>
        path.EndsWith(".data", StringComparison.Ordinal) || path.EndsWith(".div", StringComparison.Ordinal);
}
