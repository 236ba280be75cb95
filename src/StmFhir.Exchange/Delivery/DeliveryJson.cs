using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace StmFhir.Exchange.Delivery;

/// <summary>FHIR JSON for the wire: compact output, and OperationOutcomes read leniently (a target's may not be strict R4).</summary>
internal static class DeliveryJson
{
    private static readonly JsonSerializerOptions s_compact = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector);

    public static byte[] Serialize(Resource resource) => JsonSerializer.SerializeToUtf8Bytes(resource, s_compact);

    /// <summary>The OperationOutcome in <paramref name="json"/>, what could be read of it, or null if it is none.</summary>
    public static OperationOutcome? ReadOutcome(ReadOnlySpan<byte> json)
    {
        if (json.IsEmpty)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<Resource>(json, s_compact) as OperationOutcome;
        }
        catch (DeserializationFailedException e)
        {
            return e.PartialResult as OperationOutcome;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The issues' texts and diagnostics, joined, for messages and for recognising a target's size limit.</summary>
    public static string Describe(OperationOutcome? outcome) =>
        outcome is null ? "" : string.Join("; ", outcome.Issue.Select(i => i.Details?.Text ?? i.Diagnostics).Where(t => !string.IsNullOrEmpty(t)));
}

/// <summary>One entry of a transaction-response or batch-response, as far as delivery needs it.</summary>
internal sealed record ResponseEntry(int Status, string? Id, string? Version, OperationOutcome? Outcome, SearchSummary? Search)
{
    public bool IsSuccess => Status is >= 200 and < 300;
}

/// <summary>For a search entry of a batch-response: how many matched, and the first match's version.</summary>
internal sealed record SearchSummary(int Matches, string? FirstVersion);

/// <summary>Reads transaction- and batch-responses with System.Text.Json: only status, id, version and outcomes are needed.</summary>
internal static class ResponseBundleReader
{
    /// <summary>The entries, or null if <paramref name="json"/> is not a response Bundle.</summary>
    public static List<ResponseEntry>? Read(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Text(root, "resourceType") != "Bundle"
                || Text(root, "type") is not ("transaction-response" or "batch-response"))
            {
                return null;
            }
            var entries = new List<ResponseEntry>();
            if (root.TryGetProperty("entry", out var array) && array.ValueKind == JsonValueKind.Array)
            {
                foreach (var entry in array.EnumerateArray())
                {
                    entries.Add(ReadEntry(entry));
                }
            }
            return entries;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ResponseEntry ReadEntry(JsonElement entry)
    {
        var response = entry.TryGetProperty("response", out var r) && r.ValueKind == JsonValueKind.Object ? r : default;
        var statusText = response.ValueKind == JsonValueKind.Object ? Text(response, "status") : null;
        // "201" or "201 Created".
        var status = statusText is not null && statusText.Length >= 3 && int.TryParse(statusText.AsSpan(0, 3), out var code) ? code : 0;
        var (locationId, locationVersion) = ParseLocation(response.ValueKind == JsonValueKind.Object ? Text(response, "location") : null);
        var etag = response.ValueKind == JsonValueKind.Object ? ParseEtag(Text(response, "etag")) : null;
        var resource = entry.TryGetProperty("resource", out var res) && res.ValueKind == JsonValueKind.Object ? res : default;
        string? resourceId = null;
        string? resourceVersion = null;
        SearchSummary? search = null;
        if (resource.ValueKind == JsonValueKind.Object)
        {
            resourceId = Text(resource, "id");
            resourceVersion = resource.TryGetProperty("meta", out var meta) && meta.ValueKind == JsonValueKind.Object ? Text(meta, "versionId") : null;
            if (Text(resource, "resourceType") == "Bundle" && Text(resource, "type") == "searchset")
            {
                search = ReadSearch(resource);
            }
        }
        OperationOutcome? outcome = null;
        if (response.ValueKind == JsonValueKind.Object && response.TryGetProperty("outcome", out var o) && o.ValueKind == JsonValueKind.Object)
        {
            outcome = DeliveryJson.ReadOutcome(System.Text.Encoding.UTF8.GetBytes(o.GetRawText()));
        }
        else if (status >= 400 && resource.ValueKind == JsonValueKind.Object && Text(resource, "resourceType") == "OperationOutcome")
        {
            outcome = DeliveryJson.ReadOutcome(System.Text.Encoding.UTF8.GetBytes(resource.GetRawText()));
        }
        return new ResponseEntry(status, locationId ?? resourceId, etag ?? locationVersion ?? resourceVersion, outcome, search);
    }

    private static SearchSummary ReadSearch(JsonElement bundle)
    {
        var matches = 0;
        string? first = null;
        if (bundle.TryGetProperty("entry", out var entries) && entries.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in entries.EnumerateArray())
            {
                // Only matches count; _include and OperationOutcome entries do not.
                if (entry.TryGetProperty("search", out var s) && s.ValueKind == JsonValueKind.Object && Text(s, "mode") is not (null or "match"))
                {
                    continue;
                }
                if (matches++ == 0 && entry.TryGetProperty("resource", out var resource) && resource.TryGetProperty("meta", out var meta) && meta.ValueKind == JsonValueKind.Object)
                {
                    first = Text(meta, "versionId");
                }
            }
        }
        return new SearchSummary(matches, first);
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

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
