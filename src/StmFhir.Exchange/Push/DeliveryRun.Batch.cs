using StmFhir.Exchange.Targets;

namespace StmFhir.Exchange.Push;

/// <summary>Phase 1 of a delivery: what memory settles, and the batch of conditional creates and version reads for the rest.</summary>
internal sealed partial class DeliveryRun
{
    /// <summary>
    /// Phase 1: recalls what earlier deliveries learned, and lists what is left for a batch before writing: the
    /// conditional creates and the version reads. Empty when no batch is needed (or the target has none).
    /// </summary>
    public List<(DeliveryItem Item, bool Read)> Prepare(bool recallPeople, bool newAtTarget)
    {
        Recall(recallPeople);
        if (newAtTarget)
        {
            // The caller knows nobody wrote these ids before this delivery (DeliveryRequest.NewAtTarget).
            foreach (var item in plan.Items.Where(i => i.Mode == WriteMode.Put && !i.PriorKnown))
            {
                (item.PriorKnown, item.PriorVersion) = (true, null);
            }
        }
        if (!capabilities.Batch)
        {
            return [];
        }
        var creates = plan.Items.Where(i => i.Mode == WriteMode.ConditionalCreate && i.Change is null && i.DependsOn.All(d => d.StableReference is not null));
        var reads = targets.GetOptions(target).ReadVersionsBeforeWriting
            ? plan.Items.Where(i => i.Mode != WriteMode.ConditionalCreate && !i.PriorKnown).ToList()
            : [];
        // Without reads, a Bundle that fits one conditional transaction (the Provenance included) needs no batch first.
        var pending = plan.Items.Count(i => i.Change is null);
        if (reads.Count == 0 && pending + 1 + _remembered.Count <= targets.TransactionLimits(target).Conditional)
        {
            return [];
        }
        return [.. creates.Select(i => (i, false)).Concat(reads.Select(i => (i, true)))];
    }

    /// <summary>
    /// Sends the phase-1 work of one or more runs to the same target as batches of at most <paramref name="limit"/>
    /// entries (a batch has no strict-isolation cap, and each of its entries is idempotent on its own), and records
    /// the answers in each run. The runs that failed, with why.
    /// </summary>
    public static async Task<Dictionary<DeliveryRun, DeliveryFailure>> BatchAsync(FhirTargetClient client, int limit,
        List<(DeliveryRun Run, DeliveryItem Item, bool Read)> work, CancellationToken cancellationToken)
    {
        var failures = new Dictionary<DeliveryRun, DeliveryFailure>();
        for (var start = 0; start < work.Count; start += limit)
        {
            var chunk = work.GetRange(start, Math.Min(limit, work.Count - start)).Where(w => !failures.ContainsKey(w.Run)).ToList();
            if (chunk.Count == 0)
            {
                continue;
            }
            using var bundle = new DeliveryBundleWriter("batch");
            // Bundles of the same people (or the same resource twice) share one entry and its answer: two conditional
            // creates of one new person in a batch could otherwise both create.
            var entryOf = new int[chunk.Count];
            var entryByKey = new Dictionary<(string?, bool), int>();
            for (var i = 0; i < chunk.Count; i++)
            {
                var (run, item, read) = chunk[i];
                if (item.MemoryKey is { } key && entryByKey.TryGetValue((key, read), out var shared))
                {
                    entryOf[i] = shared;
                    continue;
                }
                entryOf[i] = bundle.Count;
                if (item.MemoryKey is not null)
                {
                    entryByKey[(item.MemoryKey, read)] = bundle.Count;
                }
                if (read)
                {
                    bundle.Read(item.Mode == WriteMode.Put ? $"{item.Type}/{item.Id}" : $"{item.Type}?{item.Condition}");
                }
                else
                {
                    run.WriteEntry(bundle, item, s_none);
                }
            }
            foreach (var run in chunk.Select(w => w.Run).Distinct())
            {
                run.Requests++;
            }
            List<ResponseEntry>? entries;
            DeliveryFailure? failure;
            try
            {
                (entries, failure) = await PostAsync(client, bundle, "batch", cancellationToken);
            }
            catch (FhirTransportException e)
            {
                (entries, failure) = (null, new DeliveryFailure(e.IsTransient ? DeliveryFailureKind.Transient : DeliveryFailureKind.Permanent, e.Message));
            }
            for (var i = 0; i < chunk.Count; i++)
            {
                var (run, item, read) = chunk[i];
                if (failures.ContainsKey(run))
                {
                    continue;
                }
                var entry = entries?[entryOf[i]];
                if (entry is { Status: 201 } && !read && entryOf.AsSpan(0, i).Contains(entryOf[i]))
                {
                    // Created for the Bundle before it in this batch: for this one, the conditional create matched.
                    entry = entry with { Status = 200 };
                }
                if ((failure ?? run.Record(item, read, entry!)) is { } runFailure)
                {
                    failures[run] = runFailure;
                }
            }
        }
        return failures;
    }

    private DeliveryFailure? Record(DeliveryItem item, bool read, ResponseEntry entry)
    {
        if (read)
        {
            RecordPriorVersion(item, entry);
            return null;
        }
        return entry.IsSuccess ? RecordWrite(item, entry) : EntryFailure(item, entry);
    }

    // What earlier deliveries learned: people's ids (no conditional create needed) and versions (no read needed).
    private void Recall(bool people)
    {
        foreach (var item in plan.Items)
        {
            if (item.MemoryKey is not { } key || !_memory.TryRecall(key, out var known))
            {
                continue;
            }
            if (item.Mode == WriteMode.ConditionalCreate)
            {
                if (people)
                {
                    // Matched, not overwritten: what a conditional create that found it reports.
                    (item.TargetId, item.VersionId, item.Change) = (known.Id, known.Version, ResourceChange.Unchanged);
                    _remembered.Add(item);
                }
            }
            else if (known.Version is not null)
            {
                (item.PriorKnown, item.PriorVersion) = (true, known.Version);
            }
        }
    }

    private static void RecordPriorVersion(DeliveryItem item, ResponseEntry entry)
    {
        switch (entry)
        {
            case { Status: 404 or 410 }:
            case { Status: 200, Search.Matches: 0 }:
                (item.PriorKnown, item.PriorVersion) = (true, null);
                break;
            case { Status: 200, Search: { Matches: 1 } search }:
                (item.PriorKnown, item.PriorVersion) = (true, search.FirstVersion);
                break;
            case { Status: 200, Search: null, Version: { } version }:
                (item.PriorKnown, item.PriorVersion) = (true, version);
                break;
            default:
                // Unknown: the write's status alone decides created or updated.
                break;
        }
    }
}
