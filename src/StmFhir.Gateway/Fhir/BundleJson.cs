using System.Text;
using System.Text.Json;
using StmFhir.Exchange.Storage;

namespace StmFhir.Gateway.Fhir;

/// <summary>One entry of a transaction-response or batch-response Bundle.</summary>
internal sealed record ResponseEntry(string Status)
{
    public string? Location { get; init; }
    public string? ETag { get; init; }
    public DateTimeOffset? LastModified { get; init; }
    public string? ResourceJson { get; init; }
    public string? OutcomeJson { get; init; }
}

/// <summary>
/// Bundles written straight from stored JSON (no parse and re-serialize of every resource): searchset, history,
/// transaction-response and batch-response.
/// </summary>
internal static class BundleJson
{
    public static string SearchSet(int total, IEnumerable<StoredResource> matches, string baseUrl, IEnumerable<(string Relation, string Url)> links) =>
        Write(w =>
        {
            w.WriteString("type", "searchset");
            w.WriteNumber("total", total);
            WriteLinks(w, links);
            var list = matches.ToList();
            if (list.Count == 0)
            {
                return; // FHIR JSON has no empty arrays
            }
            w.WriteStartArray("entry");
            foreach (var match in list)
            {
                w.WriteStartObject();
                w.WriteString("fullUrl", $"{baseUrl}/{match.Type}/{match.Id}");
                w.WritePropertyName("resource");
                w.WriteRawValue(match.Json, skipInputValidation: true);
                w.WriteStartObject("search");
                w.WriteString("mode", "match");
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });

    public static string History(IReadOnlyList<StoredResource> versions, string baseUrl) => Write(w =>
    {
        w.WriteString("type", "history");
        w.WriteNumber("total", versions.Count);
        w.WriteStartArray("entry");
        foreach (var version in versions)
        {
            w.WriteStartObject();
            w.WriteString("fullUrl", $"{baseUrl}/{version.Type}/{version.Id}");
            w.WritePropertyName("resource");
            w.WriteRawValue(version.Json, skipInputValidation: true);
            w.WriteStartObject("request");
            w.WriteString("method", version.Version == 1 ? "POST" : "PUT");
            w.WriteString("url", version.Version == 1 ? version.Type : $"{version.Type}/{version.Id}");
            w.WriteEndObject();
            w.WriteStartObject("response");
            w.WriteString("status", version.Version == 1 ? "201 Created" : "200 OK");
            w.WriteString("etag", version.ETag);
            w.WriteString("lastModified", version.LastUpdated.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    public static string Response(string type, IEnumerable<ResponseEntry> entries) => Write(w =>
    {
        w.WriteString("type", type);
        var list = entries.ToList();
        if (list.Count == 0)
        {
            return;
        }
        w.WriteStartArray("entry");
        foreach (var entry in list)
        {
            w.WriteStartObject();
            if (entry.ResourceJson is not null)
            {
                w.WritePropertyName("resource");
                w.WriteRawValue(entry.ResourceJson, skipInputValidation: true);
            }
            w.WriteStartObject("response");
            w.WriteString("status", entry.Status);
            if (entry.Location is not null)
            {
                w.WriteString("location", entry.Location);
            }
            if (entry.ETag is not null)
            {
                w.WriteString("etag", entry.ETag);
            }
            if (entry.LastModified is { } modified)
            {
                w.WriteString("lastModified", modified.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", System.Globalization.CultureInfo.InvariantCulture));
            }
            if (entry.OutcomeJson is not null)
            {
                w.WritePropertyName("outcome");
                w.WriteRawValue(entry.OutcomeJson, skipInputValidation: true);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    /// <summary>The response entry of a committed change: 201 for a new resource, 200 otherwise.</summary>
    public static ResponseEntry ForCommitted(CommittedEntry entry) => new(entry.Outcome == ChangeOutcome.Created ? "201 Created" : "200 OK")
    {
        Location = $"{entry.Resource.Type}/{entry.Resource.Id}/_history/{entry.Resource.Version}",
        ETag = entry.Resource.ETag,
        LastModified = entry.Resource.LastUpdated,
    };

    private static void WriteLinks(Utf8JsonWriter w, IEnumerable<(string Relation, string Url)> links)
    {
        var list = links.ToList();
        if (list.Count == 0)
        {
            return;
        }
        w.WriteStartArray("link");
        foreach (var (relation, url) in list)
        {
            w.WriteStartObject();
            w.WriteString("relation", relation);
            w.WriteString("url", url);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static string Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("resourceType", "Bundle");
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }
}
