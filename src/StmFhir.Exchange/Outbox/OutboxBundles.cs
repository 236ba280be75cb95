using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;
using StmFhir.Exchange.Delivery;
using StmFhir.Exchange.Storage;

namespace StmFhir.Exchange.Outbox;

/// <summary>
/// The transaction Bundle for one outbox row, from the stored current versions of its resources (a later row may have
/// changed them since; delivering the current content is idempotent and never goes back in time), with the Patient and
/// Practitioner they refer to. Patient and Practitioner are conditional creates on their identifier, everything else
/// <c>PUT Type/id</c>.
/// </summary>
internal static class OutboxBundles
{
    // The store holds JSON it serialised itself from validated resources: read without validating it again (measured
    // ~6x faster than the default mode, which dominated building the Bundles).
    private static readonly System.Text.Json.JsonSerializerOptions s_stored = new System.Text.Json.JsonSerializerOptions()
        .ForFhir(ModelInfo.ModelInspector).UsingMode(DeserializationMode.Ostrich);

    public static async Task<Bundle> BuildAsync(IResourceStore store, OutboxPayload payload, CancellationToken cancellationToken)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        var items = payload.Resources.DistinctBy(r => (r.Type, r.Id)).Select(r => (r.Type, r.Id)).ToList();
        var references = new HashSet<string>(StringComparer.Ordinal);
        await AddAsync(store, bundle, items, references, cancellationToken).ConfigureAwait(false);
        // The people the row's resources refer to, also when this commit did not write them (a known patient's new
        // session): the target knows them by its own ids, which only their conditional creates (or the deliverer's
        // memory of them) can tell. Without them the references would keep the gateway's ids.
        var present = bundle.Entry.Select(e => e.FullUrl).ToHashSet(StringComparer.Ordinal);
        var people = references.Where(r => !present.Contains(r) && r.Split('/') is ["Patient" or "Practitioner", { Length: > 0 }])
            .Select(r => r.Split('/')).Select(r => (r[0], r[1])).ToList();
        await AddAsync(store, bundle, people, null, cancellationToken).ConfigureAwait(false);
        return bundle;
    }

    private static async System.Threading.Tasks.Task AddAsync(IResourceStore store, Bundle bundle, List<(string Type, string Id)> items, HashSet<string>? references, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return;
        }
        var current = await store.ReadAllAsync(items, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < items.Count; i++)
        {
            var ((type, id), stored) = (items[i], current[i]);
            if (stored is null)
            {
                continue;
            }
            var json = System.Text.Encoding.UTF8.GetBytes(stored.Json);
            var resource = System.Text.Json.JsonSerializer.Deserialize<Resource>(json, s_stored)
                ?? throw new System.Text.Json.JsonException($"{type}/{id} is stored as null");
            // The deliverer writes the stored JSON as it is instead of serialising the resource again.
            resource.AddAnnotation(new SerializedResource(json));
            references?.UnionWith(DeliveryBundleWriter.References(json));
            if (resource.Meta is { } meta)
            {
                meta.VersionId = null;
                meta.LastUpdated = null;
            }
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{type}/{id}",
                Resource = resource,
                Request = Request(resource, type, id),
            });
        }
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
}
