using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using StmFhir.Core.Mapping;

namespace StmFhir.Exchange.Push;

/// <summary>
/// Writes a batch or transaction Bundle for the wire by hand: each resource's FHIR JSON (serialised once, when it was
/// planned) is copied token by token with its id set or removed, <c>meta.versionId</c>/<c>lastUpdated</c> dropped and its
/// references rewritten for this request, so no working copy of the resource is made and nothing is serialised twice.
/// </summary>
internal sealed class DeliveryBundleWriter : IDisposable
{
    // A resource's JSON nests as deep as the store wrote it (FhirJson.MaxDepth), deeper than System.Text.Json's defaults.
    private static readonly JsonWriterOptions s_options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true, MaxDepth = FhirJson.MaxDepth };
    private static readonly JsonReaderOptions s_read = new() { MaxDepth = FhirJson.MaxDepth };

    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private readonly Utf8JsonWriter _writer;

    public DeliveryBundleWriter(string type)
    {
        _writer = new Utf8JsonWriter(_buffer, s_options);
        _writer.WriteStartObject();
        _writer.WriteString("resourceType"u8, "Bundle"u8);
        _writer.WriteString("type"u8, type);
        _writer.WriteStartArray("entry"u8);
    }

    /// <summary>Entries written so far.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// An entry that writes <paramref name="resourceJson"/> with id <paramref name="id"/> (none if null), conditional on
    /// the target's version <paramref name="ifMatch"/> (an ETag, <c>W/"3"</c>) when given.
    /// </summary>
    public void Write(string fullUrl, ReadOnlySpan<byte> resourceJson, string? id, Func<string, string> rewrite, string method, string url, string? ifNoneExist,
        string? ifMatch = null)
    {
        _writer.WriteStartObject();
        _writer.WriteString("fullUrl"u8, fullUrl);
        _writer.WritePropertyName("resource"u8);
        CopyResource(resourceJson, id, rewrite);
        _writer.WriteStartObject("request"u8);
        _writer.WriteString("method"u8, method);
        _writer.WriteString("url"u8, url);
        if (ifNoneExist is not null)
        {
            _writer.WriteString("ifNoneExist"u8, ifNoneExist);
        }
        if (ifMatch is not null)
        {
            _writer.WriteString("ifMatch"u8, ifMatch);
        }
        _writer.WriteEndObject();
        _writer.WriteEndObject();
        Count++;
    }

    /// <summary>An entry that reads <paramref name="url"/>.</summary>
    public void Read(string url)
    {
        _writer.WriteStartObject();
        _writer.WriteStartObject("request"u8);
        _writer.WriteString("method"u8, "GET"u8);
        _writer.WriteString("url"u8, url);
        _writer.WriteEndObject();
        _writer.WriteEndObject();
        Count++;
    }

    /// <summary>The finished Bundle.</summary>
    public byte[] ToArray()
    {
        _writer.WriteEndArray();
        _writer.WriteEndObject();
        _writer.Flush();
        return _buffer.WrittenSpan.ToArray();
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>Every <c>reference</c> value in <paramref name="resourceJson"/>, as the resource has it.</summary>
    public static List<string> References(ReadOnlySpan<byte> resourceJson)
    {
        var found = new List<string>();
        var reader = new Utf8JsonReader(resourceJson, s_read);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("reference"u8) && reader.Read()
                && reader.TokenType == JsonTokenType.String && reader.GetString() is { } value && !found.Contains(value))
            {
                found.Add(value);
            }
        }
        return found;
    }

    private void CopyResource(ReadOnlySpan<byte> json, string? id, Func<string, string> rewrite)
    {
        var reader = new Utf8JsonReader(json, s_read);
        reader.Read();
        _writer.WriteStartObject();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                // Written after resourceType: the PUT's id, or none where the target assigns it.
                reader.Read();
            }
            else if (reader.ValueTextEquals("meta"u8))
            {
                reader.Read();
                CopyMeta(json, ref reader, rewrite);
            }
            else
            {
                var isResourceType = reader.ValueTextEquals("resourceType"u8);
                WritePropertyName(ref reader);
                reader.Read();
                CopyValue(json, ref reader, rewrite);
                if (isResourceType && id is not null)
                {
                    _writer.WriteString("id"u8, id);
                }
            }
        }
        _writer.WriteEndObject();
    }

    // The source's versionId and lastUpdated mean nothing at the target, and would make every PUT look changed; a meta
    // with nothing else is left out (an empty object is not valid FHIR JSON).
    private void CopyMeta(ReadOnlySpan<byte> json, ref Utf8JsonReader reader, Func<string, string> rewrite)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }
        var scan = reader;
        var keep = false;
        while (scan.Read() && scan.TokenType == JsonTokenType.PropertyName)
        {
            keep |= !scan.ValueTextEquals("versionId"u8) && !scan.ValueTextEquals("lastUpdated"u8);
            scan.Read();
            scan.Skip();
        }
        if (!keep)
        {
            reader.Skip();
            return;
        }
        _writer.WriteStartObject("meta"u8);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("versionId"u8) || reader.ValueTextEquals("lastUpdated"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }
            WritePropertyName(ref reader);
            reader.Read();
            CopyValue(json, ref reader, rewrite);
        }
        _writer.WriteEndObject();
    }

    // At a value's first token: copies the value, rewriting the string of every "reference" property.
    private void CopyValue(ReadOnlySpan<byte> json, ref Utf8JsonReader reader, Func<string, string> rewrite)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                _writer.WriteStartObject();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isReference = reader.ValueTextEquals("reference"u8);
                    WritePropertyName(ref reader);
                    reader.Read();
                    if (isReference && reader.TokenType == JsonTokenType.String)
                    {
                        _writer.WriteStringValue(rewrite(reader.GetString()!));
                    }
                    else
                    {
                        CopyValue(json, ref reader, rewrite);
                    }
                }
                _writer.WriteEndObject();
                break;
            case JsonTokenType.StartArray:
                _writer.WriteStartArray();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    CopyValue(json, ref reader, rewrite);
                }
                _writer.WriteEndArray();
                break;
            case JsonTokenType.String:
                // The raw (still escaped) text with its quotes: copied exactly.
                _writer.WriteRawValue(json.Slice((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2), skipInputValidation: true);
                break;
            default:
                // Numbers keep their exact text (FHIR decimals are compared by precision).
                _writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                break;
        }
    }

    private void WritePropertyName(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            _writer.WritePropertyName(reader.GetString()!);
        }
        else
        {
            _writer.WritePropertyName(reader.ValueSpan);
        }
    }
}
