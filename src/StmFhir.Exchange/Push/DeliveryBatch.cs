using StmFhir.Exchange.Targets;

namespace StmFhir.Exchange.Push;

/// <summary>
/// Phase 1 of one or more deliveries to the same target: their conditional creates and version reads in shared
/// batches (<see cref="DeliveryRun.Prepare"/> lists each run's), each answer recorded in its run.
/// </summary>
internal static class DeliveryBatch
{
    private static readonly HashSet<PlannedWrite> s_none = [];

    /// <summary>
    /// Sends the phase-1 work of one or more runs to the same target as batches of at most <paramref name="limit"/>
    /// entries (a batch has no strict-isolation cap, and each of its entries is idempotent on its own), and records
    /// the answers in each run. The runs that failed, with why.
    /// </summary>
    public static async Task<Dictionary<DeliveryRun, DeliveryFailure>> SendAsync(FhirTargetClient client, int limit,
        List<(DeliveryRun Run, PlannedWrite Item, bool Read)> work, CancellationToken cancellationToken)
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
            var entryOf = Write(bundle, chunk);
            foreach (var run in chunk.Select(w => w.Run).Distinct())
            {
                run.State.CountRequest();
            }
            List<ResponseEntry>? entries;
            DeliveryFailure? failure;
            try
            {
                (entries, failure) = await DeliveryAnswers.PostAsync(client, bundle, "batch", cancellationToken);
            }
            catch (FhirTransportException e)
            {
                (entries, failure) = (null, DeliveryAnswers.Transport(e));
            }
            Record(chunk, entryOf, entries, failure, failures);
        }
        return failures;
    }

    /// <summary>
    /// Writes the chunk's entries; per work item, the index of its entry. Bundles of the same people (or the same
    /// resource twice) share one entry and its answer: two conditional creates of one new person in a batch could
    /// otherwise both create.
    /// </summary>
    private static int[] Write(DeliveryBundleWriter bundle, List<(DeliveryRun Run, PlannedWrite Item, bool Read)> chunk)
    {
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
        return entryOf;
    }

    // Each work item's answer into its run; a run that failed (here or in an earlier chunk) records nothing more.
    private static void Record(List<(DeliveryRun Run, PlannedWrite Item, bool Read)> chunk, int[] entryOf, List<ResponseEntry>? entries,
        DeliveryFailure? failure, Dictionary<DeliveryRun, DeliveryFailure> failures)
    {
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
}
