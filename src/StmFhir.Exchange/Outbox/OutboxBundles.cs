using System.Buffers;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using StmFhir.Core.Mapping;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outbox;

/// <summary>
/// The transaction Bundle for one outbox row, from the stored current versions of its resources (a later row may have
/// changed them since; delivering the current content is idempotent and never goes back in time), with the Patient and
/// Practitioner they refer to. Patient and Practitioner are conditional creates on their identifier, everything else
/// <c>PUT Type/id</c>.
/// </summary>
/// <remarks>
/// Each entry's resource is a skeleton (its type, id and identifiers) carrying the stored JSON as a
/// <see cref="SerializedResource"/>: the deliverer reads nothing else from the POCO and writes the stored JSON, so
/// deserialising whole resources (measured: most of the dispatcher's own time) is not needed.
/// </remarks>
internal static class OutboxBundles
{
    // The store holds JSON it serialised itself from validated resources: read without validating it again.
    private static readonly JsonSerializerOptions s_stored = FhirJson.Lenient;

    // Stored JSON nests as deep as the store wrote it (FhirJson.MaxDepth), deeper than System.Text.Json's default of 64.
    private static readonly JsonDocumentOptions s_storedDocument = new() { MaxDepth = FhirJson.MaxDepth };
    private static readonly JsonWriterOptions s_skeletonWriter = new() { MaxDepth = FhirJson.MaxDepth };

    // What the deliverer reads from an entry's resource (DeliveryPlan: type, id, identifier), and the stored version
    // (meta.versionId) the dispatcher records as delivered.
    private static readonly string[] s_skeleton = ["resourceType", "id", "meta", "identifier"];

    public static async Task<Bundle> BuildAsync(IResourceStore store, OutboxPayload payload, CancellationToken cancellationToken)
    {
        var built = await BuildAllAsync(store, [payload], cancellationToken).ConfigureAwait(false);
        return built[0].Bundle ?? throw built[0].Error!;
    }

    /// <summary>
    /// The Bundles of several rows, reading all their resources in one call to the store and their people in a second:
    /// per row its Bundle, or what made it unbuildable (a stored resource that cannot be read), which fails only that row.
    /// </summary>
    public static async Task<IReadOnlyList<(Bundle? Bundle, Exception? Error)>> BuildAllAsync(
        IResourceStore store, IReadOnlyList<OutboxPayload> payloads, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<(string Type, string Id), Stored?>();
        var rows = payloads.Select(p => p.Resources.DistinctBy(r => (r.Type, r.Id)).Select(r => (r.Type, r.Id)).ToList()).ToList();
        await ReadAsync(store, stored, rows.SelectMany(r => r), cancellationToken).ConfigureAwait(false);

        // The people the row's resources refer to, also when this commit did not write them (a known patient's new
        // session): the target knows them by its own ids, which only their conditional creates (or the deliverer's
        // memory of them) can tell. Without them the references would keep the gateway's ids.
        var people = new List<(string Type, string Id)>?[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var present = rows[i].Where(k => stored[k] is not null).Select(k => $"{k.Type}/{k.Id}").ToHashSet(StringComparer.Ordinal);
            var references = new HashSet<string>(StringComparer.Ordinal);
            foreach (var key in rows[i])
            {
                if (stored[key] is { Error: null } resource)
                {
                    references.UnionWith(resource.References);
                }
            }
            people[i] = [.. references.Where(r => !present.Contains(r) && r.Split('/') is ["Patient" or "Practitioner", { Length: > 0 }])
                .Select(r => r.Split('/')).Select(r => (r[0], r[1]))];
        }
        await ReadAsync(store, stored, people.SelectMany(p => p!), cancellationToken).ConfigureAwait(false);

        var bundles = new List<(Bundle?, Exception?)>(rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
            var error = rows[i].Concat(people[i]!).Select(k => stored[k]?.Error).FirstOrDefault(e => e is not null);
            try
            {
                foreach (var key in error is null ? rows[i].Concat(people[i]!) : [])
                {
                    if (stored[key] is { } resource)
                    {
                        bundle.Entry.Add(Entry(key.Type, key.Id, resource));
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                error = e;
            }
            bundles.Add(error is null ? (bundle, null) : (null, error));
        }
        return bundles;
    }

    private static async System.Threading.Tasks.Task ReadAsync(
        IResourceStore store, Dictionary<(string Type, string Id), Stored?> stored, IEnumerable<(string Type, string Id)> keys, CancellationToken cancellationToken)
    {
        var missing = keys.Where(k => !stored.ContainsKey(k)).Distinct().ToList();
        if (missing.Count == 0)
        {
            return;
        }
        var current = await store.ReadAllAsync(missing, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < missing.Count; i++)
        {
            stored[missing[i]] = current[i] is { } resource ? Stored.From(missing[i].Type, missing[i].Id, resource.Json) : null;
        }
    }

    private static Bundle.EntryComponent Entry(string type, string id, Stored stored)
    {
        var resource = JsonSerializer.Deserialize<Resource>(stored.Skeleton, s_stored)
            ?? throw new JsonException($"{type}/{id} is stored as null");
        // The deliverer writes the stored JSON as it is (without meta.versionId and lastUpdated).
        resource.AddAnnotation(new SerializedResource(stored.Json));
        return new Bundle.EntryComponent { FullUrl = $"{type}/{id}", Resource = resource, Request = Request(resource, type, id) };
    }

    private static Bundle.RequestComponent Request(Resource resource, string type, string id)
    {
        var identifier = resource switch
        {
            Patient p => p.Identifier.FirstOrDefault(i => !string.IsNullOrEmpty(i.System) && !string.IsNullOrEmpty(i.Value)),
            Practitioner p => p.Identifier.FirstOrDefault(i => !string.IsNullOrEmpty(i.System) && !string.IsNullOrEmpty(i.Value)),
            _ => null,
        };
        return identifier is null
            ? new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = $"{type}/{id}" }
            : new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = type, IfNoneExist = StmFhir.Core.Mapping.IdentifierSearch.Condition(identifier.System!, identifier.Value!) };
    }

    /// <summary>One stored resource: its JSON, the skeleton JSON an entry's POCO is read from, its references; or why it cannot be read.</summary>
    private sealed record Stored(byte[] Json, byte[] Skeleton, IReadOnlyCollection<string> References, Exception? Error)
    {
        public static Stored From(string type, string id, string text)
        {
            var json = System.Text.Encoding.UTF8.GetBytes(text);
            try
            {
                using var document = JsonDocument.Parse(json, s_storedDocument);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new JsonException($"{type}/{id} is not stored as a JSON object");
                }
                var skeleton = new ArrayBufferWriter<byte>(256);
                using (var writer = new Utf8JsonWriter(skeleton, s_skeletonWriter))
                {
                    writer.WriteStartObject();
                    foreach (var name in s_skeleton)
                    {
                        if (document.RootElement.TryGetProperty(name, out var value))
                        {
                            writer.WritePropertyName(name);
                            value.WriteTo(writer);
                        }
                    }
                    writer.WriteEndObject();
                }
                return new Stored(json, skeleton.WrittenSpan.ToArray(), DeliveryBundleWriter.References(json), null);
            }
            catch (JsonException e)
            {
                return new Stored(json, [], [], e);
            }
        }
    }
}
