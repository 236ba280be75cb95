using System.Globalization;
using System.Text;
using System.Text.Json;
using StmFhir.Exchange.Store;

namespace StmFhir.Gateway.Fhir;

/// <summary>One entry of a transaction-response or batch-response Bundle.</summary>
internal sealed record ResponseEntry(string Status)
{
    public string? Location { get; init; }
    public string? ETag { get; init; }
    public DateTimeOffset? LastModified { get; init; }
    public string? ResourceJson { get; init; }
    public string? OutcomeJson { get; init; }

    /// <summary>About how many bytes this entry takes in a Bundle (its JSON parts and a little for the rest).</summary>
    public long Size => 256L + Encoding.UTF8.GetByteCount(ResourceJson ?? "") + Encoding.UTF8.GetByteCount(OutcomeJson ?? "");
}

/// <summary>
/// Bundles written straight from stored JSON (no parse and re-serialize of every resource): searchset, history,
/// transaction-response and batch-response. Answers go to the response as they are written (<see cref="BundleResult"/>),
/// entry by entry, instead of being built as one string first.
/// </summary>
internal static class BundleJson
{
    // Written to the response whenever this much is pending, so the writer's buffer stays small.
    private const int FlushBytes = 64 * 1024;

    /// <summary>
    /// A searchset: the matches (search.mode <c>match</c>), then what includes added (<c>include</c>), each resource's
    /// JSON as <paramref name="view"/> gives it (the stored JSON by default).
    /// </summary>
    public static BundleResult SearchSet(int total, IReadOnlyList<StoredResource> matches, string baseUrl, IReadOnlyList<(string Relation, string Url)> links,
        IReadOnlyList<StoredResource>? included = null, Func<StoredResource, string>? view = null) =>
        new((w, ct) => WriteSearchSetAsync(w, total, matches, included ?? [], baseUrl, links, view ?? StoredJson, ct));

    /// <summary>A searchset as a string, for an entry of a batch-response (whose size the batch's budget bounds).</summary>
    public static Task<string> SearchSetStringAsync(int total, IReadOnlyList<StoredResource> matches, string baseUrl,
        IReadOnlyList<(string Relation, string Url)> links, CancellationToken cancellationToken, IReadOnlyList<StoredResource>? included = null) =>
        ToStringAsync((w, ct) => WriteSearchSetAsync(w, total, matches, included ?? [], baseUrl, links, StoredJson, ct), cancellationToken);

    private static string StoredJson(StoredResource resource) => resource.Json;

    public static BundleResult History(int total, IReadOnlyList<StoredResource> versions, string baseUrl, IReadOnlyList<(string Relation, string Url)> links) =>
        new((w, ct) => WriteAsync(w, "history", total, links, versions, (w, version) =>
        {
            w.WriteString("fullUrl", $"{baseUrl}/{version.Type}/{version.Id}");
            // R4 history: a delete's entry has no resource, only its request (DELETE) and response.
            if (!version.IsDeleted)
            {
                w.WritePropertyName("resource");
                w.WriteRawValue(version.Json, skipInputValidation: true);
            }
            w.WriteStartObject("request");
            w.WriteString("method", version.IsDeleted ? "DELETE" : version.Version == 1 ? "POST" : "PUT");
            w.WriteString("url", version.Version == 1 ? version.Type : $"{version.Type}/{version.Id}");
            w.WriteEndObject();
            w.WriteStartObject("response");
            w.WriteString("status", version.IsDeleted ? "204 No Content" : version.Version == 1 ? "201 Created" : "200 OK");
            w.WriteString("etag", version.ETag);
            w.WriteString("lastModified", Instant(version.LastUpdated));
            w.WriteEndObject();
        }, ct));

    public static BundleResult Response(string type, IReadOnlyList<ResponseEntry> entries) =>
        new((w, ct) => WriteAsync(w, type, null, [], entries, (w, entry) =>
        {
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
                w.WriteString("lastModified", Instant(modified));
            }
            if (entry.OutcomeJson is not null)
            {
                w.WritePropertyName("outcome");
                w.WriteRawValue(entry.OutcomeJson, skipInputValidation: true);
            }
            w.WriteEndObject();
        }, ct));

    /// <summary>The response entry of a committed change: 201 for a new resource, 200 otherwise.</summary>
    public static ResponseEntry ForCommitted(CommittedEntry entry) => new(entry.Outcome == ChangeOutcome.Created ? "201 Created" : "200 OK")
    {
        Location = $"{entry.Resource.Type}/{entry.Resource.Id}/_history/{entry.Resource.Version}",
        ETag = entry.Resource.ETag,
        LastModified = entry.Resource.LastUpdated,
    };

    private static Task WriteSearchSetAsync(Utf8JsonWriter w, int total, IReadOnlyList<StoredResource> matches, IReadOnlyList<StoredResource> included,
        string baseUrl, IReadOnlyList<(string Relation, string Url)> links, Func<StoredResource, string> view, CancellationToken cancellationToken) =>
        WriteAsync(w, "searchset", total, links, [.. matches.Select(m => (m, "match")).Concat(included.Select(i => (i, "include")))], (w, entry) =>
        {
            var (resource, mode) = entry;
            w.WriteString("fullUrl", $"{baseUrl}/{resource.Type}/{resource.Id}");
            w.WritePropertyName("resource");
            w.WriteRawValue(view(resource), skipInputValidation: true);
            w.WriteStartObject("search");
            w.WriteString("mode", mode);
            w.WriteEndObject();
        }, cancellationToken);

    /// <summary>A Bundle of <paramref name="type"/>, each entry's content written by <paramref name="entry"/>.</summary>
    private static async Task WriteAsync<T>(Utf8JsonWriter w, string type, int? total, IReadOnlyList<(string Relation, string Url)> links,
        IReadOnlyList<T> entries, Action<Utf8JsonWriter, T> entry, CancellationToken cancellationToken)
    {
        w.WriteStartObject();
        w.WriteString("resourceType", "Bundle");
        w.WriteString("type", type);
        if (total is { } t)
        {
            w.WriteNumber("total", t);
        }
        WriteLinks(w, links);
        // FHIR JSON has no empty arrays.
        if (entries.Count > 0)
        {
            w.WriteStartArray("entry");
            foreach (var item in entries)
            {
                w.WriteStartObject();
                entry(w, item);
                w.WriteEndObject();
                if (w.BytesPending >= FlushBytes)
                {
                    await w.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    private static void WriteLinks(Utf8JsonWriter w, IReadOnlyList<(string Relation, string Url)> links)
    {
        if (links.Count == 0)
        {
            return;
        }
        w.WriteStartArray("link");
        foreach (var (relation, url) in links)
        {
            w.WriteStartObject();
            w.WriteString("relation", relation);
            w.WriteString("url", url);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static string Instant(DateTimeOffset value) => value.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    private static async Task<string> ToStringAsync(Func<Utf8JsonWriter, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream();
        await using (var w = new Utf8JsonWriter(stream))
        {
            await write(w, cancellationToken).ConfigureAwait(false);
        }
        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }
}
