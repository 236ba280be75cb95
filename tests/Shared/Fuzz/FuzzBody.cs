using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>
/// Writes a (mutated) JSON tree as request bytes: UTF-8 with non-ASCII characters as they are, the markers of
/// <see cref="JsonMutator"/> turned into duplicate names and invalid UTF-8, then a transport encoding (BOMs, UTF-16).
/// </summary>
internal static class FuzzBody
{
    public const string Utf8 = "utf-8";

    /// <summary>Writes characters as themselves, so multi-byte text reaches the server as multi-byte UTF-8.</summary>
    public static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private static readonly JsonSerializerOptions s_options = new() { Encoder = Encoder, MaxDepth = 4096 };

    /// <summary>Transport encodings and the Content-Type each is sent with.</summary>
    public static IReadOnlyList<(string Name, string ContentType)> Transports { get; } =
    [
        ("bom", "application/fhir+json"),
        ("bom-twice", "application/fhir+json"),
        ("bom-after-space", "application/json"),
        ("utf-16le-bom", "application/fhir+json"),
        ("utf-16le", "application/fhir+json; charset=utf-16"),
        ("utf-16be-bom", "application/fhir+json; charset=utf-16"),
        ("utf-32le-bom", "application/json"),
        ("utf-16le-bom-declared-utf8", "application/fhir+json; charset=utf-8"),
    ];

    public static byte[] Write(JsonNode document, string transport = Utf8)
    {
        var text = document.ToJsonString(s_options);
        if (text.Contains("~fuzz-dup-", StringComparison.Ordinal))
        {
            // "~fuzz-dup-1~name" -> "name": the object now holds "name" twice.
            text = System.Text.RegularExpressions.Regex.Replace(text, "\"~fuzz-dup-\\d+~", "\"");
        }
        var bytes = Encoding.UTF8.GetBytes(text);
        if (text.Contains("~fuzz-utf8-", StringComparison.Ordinal))
        {
            bytes = ReplaceInvalidUtf8Markers(bytes);
        }
        return Encode(bytes, transport);
    }

    /// <summary>UTF-8 <paramref name="utf8"/> in <paramref name="transport"/>.</summary>
    public static byte[] Encode(byte[] utf8, string transport)
    {
        byte[] Unicode(Encoding encoding, bool bom)
        {
            var text = Encoding.UTF8.GetString(utf8);
            return bom ? [.. encoding.GetPreamble(), .. encoding.GetBytes(text)] : encoding.GetBytes(text);
        }
        return transport switch
        {
            Utf8 => utf8,
            "bom" => [0xEF, 0xBB, 0xBF, .. utf8],
            "bom-twice" => [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, .. utf8],
            "bom-after-space" => [(byte)' ', 0xEF, 0xBB, 0xBF, .. utf8],
            "utf-16le-bom" or "utf-16le-bom-declared-utf8" => Unicode(Encoding.Unicode, bom: true),
            "utf-16le" => Unicode(Encoding.Unicode, bom: false),
            "utf-16be-bom" => Unicode(Encoding.BigEndianUnicode, bom: true),
            "utf-32le-bom" => Unicode(Encoding.UTF32, bom: true),
            _ => throw new ArgumentException($"Unknown transport encoding {transport}", nameof(transport)),
        };
    }

    private static readonly byte[][] s_utf8Markers =
        [.. Enumerable.Range(0, ExtremeValues.InvalidUtf8.Count).Select(w => Encoding.ASCII.GetBytes(ExtremeValues.InvalidUtf8Marker(w)))];

    private static byte[] ReplaceInvalidUtf8Markers(byte[] bytes)
    {
        var output = new List<byte>(bytes.Length);
        for (var i = 0; i < bytes.Length; i++)
        {
            var matched = false;
            for (var which = 0; which < s_utf8Markers.Length && !matched && bytes[i] == (byte)'~'; which++)
            {
                var marker = s_utf8Markers[which];
                if (bytes.AsSpan(i).StartsWith(marker))
                {
                    output.AddRange(ExtremeValues.InvalidUtf8[which]);
                    i += marker.Length - 1;
                    matched = true;
                }
            }
            if (!matched)
            {
                output.Add(bytes[i]);
            }
        }
        return [.. output];
    }
}
