using System.Text.Json;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using Range = System.Range;

namespace StmFhir.Exchange.Push;

/// <summary>
/// Reads transaction- and batch-responses in one forward pass with <see cref="Utf8JsonReader"/> (no document is built:
/// the answers carry every written resource, and only status, id, version and failures' outcomes are needed). A resource
/// in an answer may nest as deep as the one sent (<see cref="FhirJson.MaxDepth"/>).
/// </summary>
internal static class ResponseBundleReader
{
    /// <summary>The entries, or null if <paramref name="json"/> is not a response Bundle.</summary>
    public static List<ResponseEntry>? Read(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = FhirJson.MaxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            string? resourceType = null;
            string? type = null;
            var entries = new List<ResponseEntry>();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("resourceType"u8))
                {
                    resourceType = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("type"u8))
                {
                    type = ReadString(ref reader);
                }
                else if (reader.ValueTextEquals("entry"u8))
                {
                    if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                    {
                        return null;
                    }
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        entries.Add(ReadEntry(ref reader, json));
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            return resourceType == "Bundle" && type is "transaction-response" or "batch-response" ? entries : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ResponseEntry ReadEntry(ref Utf8JsonReader reader, ReadOnlySpan<byte> json)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return new ResponseEntry(0, null, null, null, null);
        }
        var response = default(ResponseSummary);
        ResourceSummary resource = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("response"u8) && NextIsObject(ref reader))
            {
                response = ReadResponse(ref reader);
            }
            else if (reader.ValueTextEquals("resource"u8) && NextIsObject(ref reader))
            {
                resource = ReadResource(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        // "201" or "201 Created".
        var status = response.Status is { Length: >= 3 } statusText && int.TryParse(statusText.AsSpan(0, 3), out var code) ? code : 0;
        var (locationId, locationVersion) = ParseLocation(response.Location);
        OperationOutcome? parsedOutcome = null;
        // Successful entries carry an all-ok outcome too (Medplum): only a failure's is worth parsing.
        if (status is < 200 or >= 300)
        {
            if (!response.Outcome.Equals(default(Range)))
            {
                parsedOutcome = DeliveryJson.ReadOutcome(json[response.Outcome]);
            }
            else if (resource.ResourceType == "OperationOutcome")
            {
                parsedOutcome = DeliveryJson.ReadOutcome(json[resource.Raw]);
            }
        }
        var search = resource.ResourceType == "Bundle" && resource.Type == "searchset" ? new SearchSummary(resource.Matches, resource.FirstMatchVersion) : null;
        return new ResponseEntry(status, locationId ?? resource.Id, ParseEtag(response.Etag) ?? locationVersion ?? resource.Version, parsedOutcome, search);
    }

    private record struct ResponseSummary(string? Status, string? Location, string? Etag, Range Outcome);

    // At the response's StartObject; leaves the reader at its EndObject.
    private static ResponseSummary ReadResponse(ref Utf8JsonReader reader)
    {
        var summary = default(ResponseSummary);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("status"u8))
            {
                summary.Status = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("location"u8))
            {
                summary.Location = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("etag"u8))
            {
                summary.Etag = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("outcome"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                summary.Outcome = start..(int)reader.BytesConsumed;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return summary;
    }

    private record struct ResourceSummary(string? ResourceType, string? Type, string? Id, string? Version, int Matches, string? FirstMatchVersion, Range Raw);

    // At the resource's StartObject; leaves the reader at its EndObject.
    private static ResourceSummary ReadResource(ref Utf8JsonReader reader)
    {
        var start = (int)reader.TokenStartIndex;
        var summary = default(ResourceSummary);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("resourceType"u8))
            {
                summary.ResourceType = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("type"u8))
            {
                summary.Type = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                summary.Id = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("meta"u8))
            {
                summary.Version = ReadVersion(ref reader);
            }
            else if (reader.ValueTextEquals("entry"u8) && NextIs(ref reader, JsonTokenType.StartArray))
            {
                ReadSearchEntries(ref reader, ref summary);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        summary.Raw = start..(int)reader.BytesConsumed;
        return summary;
    }

    // At a searchset's entry array (only Bundles have entry): counts the matches, keeps the first one's version.
    private static void ReadSearchEntries(ref Utf8JsonReader reader, ref ResourceSummary summary)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? mode = null, version = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("search"u8) && NextIsObject(ref reader))
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals("mode"u8))
                        {
                            mode = ReadString(ref reader);
                        }
                        else
                        {
                            reader.Read();
                            reader.Skip();
                        }
                    }
                }
                else if (reader.ValueTextEquals("resource"u8) && NextIsObject(ref reader))
                {
                    version = ReadResource(ref reader).Version;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            // Only matches count; _include and OperationOutcome entries do not.
            if (mode is null or "match" && summary.Matches++ == 0)
            {
                summary.FirstMatchVersion = version;
            }
        }
        if (reader.TokenType != JsonTokenType.EndArray)
        {
            reader.Skip();
        }
    }

    private static string? ReadVersion(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }
        string? version = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("versionId"u8))
            {
                version = ReadString(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return version;
    }

    private static bool NextIsObject(ref Utf8JsonReader reader) => NextIs(ref reader, JsonTokenType.StartObject);

    // At a property name: reads the value's first token, which must be of kind (a response, resource or search that
    // is not an object makes the whole answer unreadable: Read returns null).
    private static bool NextIs(ref Utf8JsonReader reader, JsonTokenType kind) =>
        reader.Read() && reader.TokenType == kind ? true : throw new JsonException($"Expected {kind}, found {reader.TokenType}");

    // At a property name: reads its value, a string or anything else (skipped, null).
    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }
        reader.Skip();
        return null;
    }

    /// <summary>Id and version from <c>[base/]Type/id[/_history/vid]</c>.</summary>
    internal static (string? Id, string? Version) ParseLocation(string? location)
    {
        if (string.IsNullOrEmpty(location))
        {
            return (null, null);
        }
        var path = Uri.TryCreate(location, UriKind.Absolute, out var absolute) ? absolute.AbsolutePath : location;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var history = Array.LastIndexOf(segments, "_history");
        if (history >= 2 && history == segments.Length - 2)
        {
            return (segments[history - 1], segments[history + 1]);
        }
        return segments.Length >= 2 ? (segments[^1], null) : (null, null);
    }

    /// <summary>The version in an ETag: <c>W/"3"</c> gives <c>3</c>.</summary>
    internal static string? ParseEtag(string? etag)
    {
        if (string.IsNullOrEmpty(etag))
        {
            return null;
        }
        var value = etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag;
        value = value.Trim('"');
        return value.Length > 0 ? value : null;
    }
}
