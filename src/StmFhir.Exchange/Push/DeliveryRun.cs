using Hl7.Fhir.Model;
using StmFhir.Exchange.Targets;

namespace StmFhir.Exchange.Push;

/// <summary>
/// One delivery of one Bundle to one target. What earlier deliveries learned (<see cref="TargetMemory"/>) comes first:
/// a remembered person needs no conditional create, a remembered version no read. Then, only for what is left, a batch
/// resolves the conditional creates (Patient, Practitioner: found by identifier or created) and reads the version every
/// other resource has at the target now, so the result can say created, updated or unchanged. Then the rest goes in
/// transactions within the target's limits, references rewritten to the target's ids, the remembered people read in
/// the first one, the Provenance in the last one. Every request is idempotent, so the resilience pipeline may retry
/// any of them and the whole run may be repeated after a failure.
/// </summary>
internal sealed partial class DeliveryRun(string target, FhirTargets targets, FhirTargetClient client, TargetMemory memory, DeliveryPlanner plan, FhirCapabilities capabilities,
    int requestsBefore = 0)
{
    private static readonly HashSet<DeliveryItem> s_none = [];

    private DeliveryItem? _provenance;

    /// <summary>Requests sent (each possibly retried by the pipeline).</summary>
    public int Requests { get; private set; } = requestsBefore;

    /// <summary>What became of each Bundle entry so far, in Bundle order.</summary>
    public IReadOnlyList<ResourceDelivery> Results() =>
        [.. plan.Items.Where(i => i != _provenance && i.Change is not null && i.TargetId is not null).OrderBy(i => i.Index).Select(i => i.ToResult())];

    /// <summary>The Provenance's result once it arrived.</summary>
    public ResourceDelivery? ProvenanceResult => _provenance is { Change: not null, TargetId: not null } p ? p.ToResult() : null;

    /// <summary>
    /// People taken from <see cref="TargetMemory"/> instead of a conditional create; the first transaction reads each,
    /// so a person the target no longer has fails it before anything refers to the missing id.
    /// </summary>
    public IReadOnlyList<DeliveryItem> RememberedPeople => _remembered;

    /// <summary>True when the transaction that checked <see cref="RememberedPeople"/> was refused (permanently).</summary>
    public bool RememberedPeopleRefused { get; private set; }

    private readonly List<DeliveryItem> _remembered = [];
    private readonly TargetMemory _memory = memory;

    /// <summary>Runs the delivery on its own; null when everything arrived.</summary>
    public async Task<DeliveryFailure?> RunAsync(string? sourceId, DateTimeOffset recorded, bool recallPeople, bool newAtTarget, CancellationToken cancellationToken)
    {
        var work = Prepare(recallPeople, newAtTarget);
        if (work.Count > 0)
        {
            var failures = await BatchAsync(client, targets.TransactionLimits(target).Plain, [.. work.Select(w => (this, w.Item, w.Read))], cancellationToken);
            if (failures.TryGetValue(this, out var failure))
            {
                return failure;
            }
        }
        return await WriteAsync(sourceId, recorded, cancellationToken);
    }

    /// <summary>Phase 2: the Provenance, and every entry not settled yet in transactions; null when everything arrived.</summary>
    public async Task<DeliveryFailure?> WriteAsync(string? sourceId, DateTimeOffset recorded, CancellationToken cancellationToken)
    {
        // A version remembered since phase 1 was written by another delivery in the meantime (the same resource in
        // two Bundles of one call, or a concurrent delivery): it is newer than what the read saw.
        foreach (var item in plan.Items)
        {
            if (item.Mode != WriteMode.ConditionalCreate && item.MemoryKey is { } key && _memory.TryRecall(key, out var known) && known.Version is not null)
            {
                (item.PriorKnown, item.PriorVersion) = (true, known.Version);
            }
        }
        _provenance = DeliveryProvenance.Create(target, plan.Items, sourceId, recorded, capabilities);
        if (_provenance is not null)
        {
            plan.Add(_provenance);
        }
        var check = _remembered;
        foreach (var part in Partition(plan.Items.Where(i => i.Change is null), check.Count))
        {
            if (await SendTransactionAsync(part, check, cancellationToken) is { } partFailure)
            {
                return partFailure;
            }
            check = [];
        }
        return null;
    }

    // Parts within the target's limits; the first keeps room for the reads of the remembered people.
    private List<List<DeliveryItem>> Partition(IEnumerable<DeliveryItem> pending, int reservedInFirst)
    {
        var (plainLimit, conditionalLimit) = targets.TransactionLimits(target);
        var parts = new List<List<DeliveryItem>>();
        var current = new List<DeliveryItem>();
        var conditional = false;
        foreach (var item in pending)
        {
            var nextConditional = conditional || item.IsConditional;
            var reserved = parts.Count == 0 ? reservedInFirst : 0;
            if (item.SendLast || (current.Count > 0 && current.Count + 1 + reserved > (nextConditional ? conditionalLimit : plainLimit)))
            {
                if (current.Count > 0)
                {
                    parts.Add(current);
                }
                current = [];
                nextConditional = item.IsConditional;
            }
            current.Add(item);
            conditional = nextConditional;
        }
        if (current.Count > 0)
        {
            parts.Add(current);
        }
        return parts;
    }

    private async Task<DeliveryFailure?> SendTransactionAsync(List<DeliveryItem> part, List<DeliveryItem> check, CancellationToken cancellationToken)
    {
        var inPart = part.ToHashSet();
        var (entries, failure) = (default(List<ResponseEntry>), default(DeliveryFailure));
        int sent;
        using (var bundle = new DeliveryBundleWriter("transaction"))
        {
            foreach (var item in part)
            {
                if (item.ConditionFactory is not null)
                {
                    item.Condition = item.ConditionFactory();
                }
                WriteEntry(bundle, item, inPart);
            }
            foreach (var person in check)
            {
                // A read that fails (404, 410) fails the whole transaction (FHIR transaction rules), before a reference
                // to a person the target no longer has is written.
                bundle.Read(person.StableReference!);
            }
            sent = bundle.Count;
            Requests++;
            (entries, failure) = await PostAsync(client, bundle, "transaction", cancellationToken);
        }
        if (failure is { HttpStatus: 400 } && part.Count > 1 && IsSizeLimit(failure.Outcome))
        {
            // The target has a smaller limit than configured (Medplum: 8 entries with conditional ones, 50 updates).
            // Each half is idempotent on its own, and the second half refers to the first by the ids it got.
            targets.LowerTransactionLimit(target, part.Any(i => i.IsConditional), sent);
            var half = part.Count / 2;
            return await SendTransactionAsync(part[..half], check, cancellationToken) ?? await SendTransactionAsync(part[half..], [], cancellationToken);
        }
        if (failure is not null)
        {
            RememberedPeopleRefused = check.Count > 0 && !failure.IsTransient;
            return failure;
        }
        for (var i = 0; i < part.Count; i++)
        {
            if (!entries![i].IsSuccess)
            {
                return EntryFailure(part[i], entries[i]);
            }
            if (RecordWrite(part[i], entries[i]) is { } recordFailure)
            {
                return recordFailure;
            }
        }
        for (var i = 0; i < check.Count; i++)
        {
            var entry = entries![part.Count + i];
            if (!entry.IsSuccess || entry.Id is { } id && id != check[i].TargetId)
            {
                // Not a transaction after all: parts of it may be written, with a reference to a missing person.
                RememberedPeopleRefused = true;
                return EntryFailure(check[i], entry);
            }
            check[i].VersionId = entry.Version ?? check[i].VersionId;
        }
        return null;
    }

    private DeliveryFailure? RecordWrite(DeliveryItem item, ResponseEntry entry)
    {
        item.Record(entry.Status, entry.Id, entry.Version);
        if (item.TargetId is null)
        {
            return new DeliveryFailure(DeliveryFailureKind.Permanent, $"The target wrote the {item.Type} of {Where(item)} but did not say its id", entry.Status);
        }
        if (item.MemoryKey is { } key)
        {
            if (item.Mode == WriteMode.ConditionalCreate || item.VersionId is not null)
            {
                _memory.Remember(key, item.TargetId, item.VersionId);
            }
            else
            {
                _memory.Forget(key);
            }
        }
        return null;
    }

    private static async Task<(List<ResponseEntry>? Entries, DeliveryFailure? Failure)> PostAsync(FhirTargetClient client, DeliveryBundleWriter bundle, string kind, CancellationToken cancellationToken)
    {
        var count = bundle.Count;
        var response = await client.SendAsync(HttpMethod.Post, "", bundle.ToArray(), cancellationToken);
        if (!response.IsSuccess)
        {
            var outcome = DeliveryJson.ReadOutcome(response.Body);
            var kindOfFailure = response.IsTransientFailure ? DeliveryFailureKind.Transient : DeliveryFailureKind.Permanent;
            var described = DeliveryJson.Describe(outcome);
            var message = $"The target answered {response.Status} to a {kind} of {count} entries" + (described.Length > 0 ? $": {described}" : "");
            return (null, new DeliveryFailure(kindOfFailure, message, response.Status, outcome));
        }
        var entries = ResponseBundleReader.Read(response.Body);
        if (entries is null || entries.Count != count)
        {
            return (null, new DeliveryFailure(DeliveryFailureKind.Permanent,
                $"The target's answer to a {kind} of {count} entries is not a {kind}-response with as many entries", response.Status));
        }
        return (entries, null);
    }

    private static DeliveryFailure EntryFailure(DeliveryItem item, ResponseEntry entry)
    {
        var kind = entry.Status is 408 or 429 or >= 500 or 0 ? DeliveryFailureKind.Transient : DeliveryFailureKind.Permanent;
        var described = DeliveryJson.Describe(entry.Outcome);
        return new DeliveryFailure(kind, $"The target refused the {item.Type} of {Where(item)} with {entry.Status}" + (described.Length > 0 ? $": {described}" : ""), entry.Status, entry.Outcome);
    }

    private static string Where(DeliveryItem item) => item.Index == int.MaxValue ? "the delivery" : $"Bundle.entry[{item.Index}]";

    private static bool IsSizeLimit(OperationOutcome? outcome)
    {
        var text = DeliveryJson.Describe(outcome);
        return text.Contains("too many entries", StringComparison.OrdinalIgnoreCase)
            || text.Contains("more update operations than allowed", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Writes the entry that writes <paramref name="item"/>, its references rewritten for a part holding <paramref name="inPart"/>.</summary>
    private void WriteEntry(DeliveryBundleWriter bundle, DeliveryItem item, IReadOnlySet<DeliveryItem> inPart)
    {
        string Rewrite(string original) => plan.Find(original) is { } referenced
            ? referenced.StableReference ?? (inPart.Contains(referenced) ? referenced.Placeholder : original)
            : original;
        switch (item.Mode)
        {
            case WriteMode.Put:
                bundle.Write(item.Placeholder, item.Json, item.Id, Rewrite, "PUT", $"{item.Type}/{item.Id}", null);
                break;
            case WriteMode.ConditionalCreate:
                bundle.Write(item.Placeholder, item.Json, null, Rewrite, "POST", item.Type, item.Condition);
                break;
            default:
                // A conditional update that creates must not carry an id (the target assigns one).
                bundle.Write(item.Placeholder, item.Json, null, Rewrite, "PUT", $"{item.Type}?{item.Condition}", null);
                break;
        }
    }
}
