using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Exchange.Targets;

namespace StmFhir.Exchange.Push;

/// <summary>
/// How a Bundle is written at one target, decided once and never changed: how each entry is written (PUT to its id,
/// conditional create, conditional update; <see cref="PlannedWrite"/>), in an order where a resource is written after
/// those it refers to, and how entries refer to each other. A delivery that starts again runs the same plan.
/// </summary>
internal sealed class DeliveryPlan
{
    private readonly Dictionary<string, PlannedWrite> _byReference = new(StringComparer.Ordinal);
    private readonly Dictionary<PlannedWrite, List<PlannedWrite>> _dependsOn = [];

    private DeliveryPlan(List<PlannedWrite> items)
    {
        Items = items;
    }

    /// <summary>The entries in an order where each comes after the entries it refers to (Bundle order where it already is).</summary>
    public IReadOnlyList<PlannedWrite> Items { get; private set; }

    /// <summary>The entry that <paramref name="reference"/> (a fullUrl or <c>Type/id</c>) names, if any.</summary>
    public PlannedWrite? Find(string? reference) => reference is not null && _byReference.TryGetValue(reference, out var item) ? item : null;

    /// <summary>The entries that <paramref name="item"/> refers to.</summary>
    public IReadOnlyList<PlannedWrite> DependsOn(PlannedWrite item) => _dependsOn.TryGetValue(item, out var targets) ? targets : [];

    /// <summary>Plans the delivery of <paramref name="bundle"/>, or says why it cannot be delivered idempotently to this target.</summary>
    public static (DeliveryPlan? Plan, DeliveryFailure? Problem) Create(Bundle bundle, FhirCapabilities capabilities)
    {
        if (!capabilities.IsR4)
        {
            return Refuse($"the target speaks FHIR '{capabilities.FhirVersion}', not R4 (4.0.x)");
        }
        if (!capabilities.Transaction)
        {
            return Refuse("the target's CapabilityStatement declares no transaction support");
        }
        if (bundle.Type is not (Bundle.BundleType.Transaction or Bundle.BundleType.Batch))
        {
            return Refuse($"a Bundle of type '{bundle.Type}' is not a transaction");
        }
        if (bundle.Entry.Count == 0)
        {
            return Refuse("the Bundle has no entries");
        }
        var items = new List<PlannedWrite>(bundle.Entry.Count);
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            var (item, problem) = Plan(bundle.Entry[i], i, capabilities);
            if (problem is not null)
            {
                return Refuse($"Bundle.entry[{i}]: {problem}");
            }
            items.Add(item!);
        }
        var plan = new DeliveryPlan(items);
        foreach (var item in items)
        {
            if (!plan._byReference.TryAdd(item.Source, item))
            {
                return Refuse($"Bundle.entry[{item.Index}]: '{item.Source}' names another entry too");
            }
            var typeAndId = item.Resource.Id is { } id ? $"{item.Type}/{id}" : item.Id is not null ? $"{item.Type}/{item.Id}" : null;
            if (typeAndId is not null && typeAndId != item.Source)
            {
                plan._byReference.TryAdd(typeAndId, item);
            }
        }
        foreach (var item in items)
        {
            var dependsOn = new List<PlannedWrite>();
            foreach (var original in item.References)
            {
                if (plan.Find(original) is { } target && target != item && !dependsOn.Contains(target))
                {
                    dependsOn.Add(target);
                }
            }
            plan._dependsOn[item] = dependsOn;
        }
        plan.Items = plan.DependenciesFirst(items);
        return (plan, null);
    }

    private static (PlannedWrite? Item, string? Problem) Plan(Bundle.EntryComponent entry, int index, FhirCapabilities capabilities)
    {
        if (entry.Resource is not { } original)
        {
            return (null, "has no resource (only writes are delivered)");
        }
        var resource = original;
        var type = resource.TypeName;
        var url = entry.Request?.Url ?? "";
        var method = entry.Request?.Method;
        var source = entry.FullUrl ?? (resource.Id is { } rid ? $"{type}/{rid}" : $"entry[{index}]");
        var placeholder = "urn:uuid:" + (DeterministicId.From("StmFhir.Delivery.Placeholder", source));
        var queryAt = url.IndexOf('?', StringComparison.Ordinal);

        switch (method)
        {
            case Bundle.HTTPVerb.PUT when queryAt < 0:
                {
                    var id = url.Split('/') is [var t, var urlId] && t == type ? urlId : null;
                    if (id is null || (resource.Id is not null && resource.Id != id))
                    {
                        return (null, $"PUT '{url}' does not name the {type}'s id");
                    }
                    if (capabilities.AcceptsClientIds(type))
                    {
                        return (new PlannedWrite { Index = index, Source = source, Resource = resource, Mode = WriteMode.Put, Id = id, Placeholder = placeholder }, null);
                    }
                    // The target assigns its own ids: find the resource by its business identifier instead.
                    if (!capabilities.SupportsConditionalUpdate(type))
                    {
                        return (null, $"the target accepts neither client ids nor conditional update for {type}");
                    }
                    return IdentifierCondition(resource) is { } condition
                        ? (new PlannedWrite { Index = index, Source = source, Resource = resource, Mode = WriteMode.ConditionalUpdate, Condition = condition, Placeholder = placeholder }, null)
                        : (null, $"the target does not accept client ids for {type}, and the {type} has no identifier to update it by");
                }
            case Bundle.HTTPVerb.PUT:
                return capabilities.SupportsConditionalUpdate(type) && url[..queryAt] == type
                    ? (new PlannedWrite { Index = index, Source = source, Resource = resource, Mode = WriteMode.ConditionalUpdate, Condition = url[(queryAt + 1)..], Placeholder = placeholder }, null)
                    : (null, $"conditional update '{url}' is not supported by the target for {type}");
            case Bundle.HTTPVerb.POST when url == type:
                {
                    var condition = entry.Request!.IfNoneExist ?? IdentifierCondition(resource);
                    if (condition is null)
                    {
                        return (null, $"a POST without ifNoneExist, of a {type} without identifier, would create a duplicate on every retry");
                    }
                    return capabilities.SupportsConditionalCreate(type)
                        ? (new PlannedWrite { Index = index, Source = source, Resource = resource, Mode = WriteMode.ConditionalCreate, Condition = condition, Placeholder = placeholder }, null)
                        : (null, $"the target does not support conditional create for {type}");
                }
            default:
                return (null, $"request '{method} {url}' is not a write StmFhir delivers (PUT Type/id, PUT Type?search, POST Type)");
        }
    }

    /// <summary><c>identifier=system|value</c> of the resource's first complete identifier.</summary>
    internal static string? IdentifierCondition(Resource resource)
    {
        var identifiers = resource switch
        {
            Patient p => p.Identifier,
            Practitioner p => p.Identifier,
            Procedure p => p.Identifier,
            Observation o => o.Identifier,
            Condition c => c.Identifier,
            MedicationStatement m => m.Identifier,
            RiskAssessment r => r.Identifier,
            _ => resource.EnumerateElements().Where(e => e.Key == "identifier").SelectMany(e => e.Value as IEnumerable<Identifier> ?? []).ToList(),
        };
        return identifiers.FirstOrDefault(i => !string.IsNullOrEmpty(i.System) && !string.IsNullOrEmpty(i.Value)) is { } identifier
            ? StmFhir.Core.Mapping.IdentifierSearch.Condition(identifier.System!, identifier.Value!)
            : null;
    }

    // Stable topological order: each item after the items it refers to, otherwise Bundle order. A cycle (which a
    // session never has) is broken at its earliest entry.
    private List<PlannedWrite> DependenciesFirst(List<PlannedWrite> items)
    {
        var ordered = new List<PlannedWrite>(items.Count);
        var done = new HashSet<PlannedWrite>();
        var remaining = new List<PlannedWrite>(items);
        while (remaining.Count > 0)
        {
            var next = remaining.FirstOrDefault(i => DependsOn(i).All(done.Contains)) ?? remaining[0];
            remaining.Remove(next);
            done.Add(next);
            ordered.Add(next);
        }
        return ordered;
    }

    private static (DeliveryPlan?, DeliveryFailure?) Refuse(string message) =>
        (null, new DeliveryFailure(DeliveryFailureKind.Permanent, $"Cannot deliver: {message}"));
}
