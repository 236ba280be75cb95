using Hl7.Fhir.Model;
using StmFhir.Exchange.Targets;

namespace StmFhir.Exchange.Push;

/// <summary>
/// One delivery of one Bundle to one target. What earlier deliveries learned (<see cref="TargetMemory"/>) comes first:
/// a remembered person needs no conditional create, a remembered version no read. Then, only for what is left, a batch
/// (<see cref="DeliveryBatch"/>) resolves the conditional creates (Patient, Practitioner: found by identifier or created)
/// and reads the version every other resource has at the target now, so the result can say created, updated or
/// unchanged. Then the rest goes in transactions within the target's limits, references rewritten to the target's ids,
/// the remembered people read in the first one, the Provenance in the last one; RiskAssessments in the literal-ras-2
/// form where the target needs it (configured, or learned here from its refusal). Every request is idempotent, so the
/// resilience pipeline may retry any of them and the whole run may be repeated after a failure. The plan never
/// changes; what the run learns is in its <see cref="State"/>.
/// </summary>
internal sealed class DeliveryRun(string target, FhirTargets targets, FhirTargetClient client, TargetMemory memory, DeliveryPlan plan,
    FhirCapabilities capabilities, string? sourceId, DateTimeOffset recorded, int requestsBefore = 0,
    IReadOnlyDictionary<string, string>? expected = null, Dictionary<string, string>? writtenInCall = null)
{
    // The versions this call's runs wrote, by memory key: a later Bundle of the same call expects those, not the caller's.
    private readonly Dictionary<string, string> _written = writtenInCall ?? new(StringComparer.Ordinal);

    /// <summary>The Provenance that records the delivery, written last; null where the target allows no idempotent write of it.</summary>
    private readonly PlannedWrite? _provenance = DeliveryProvenance.Create(target, plan.Items, sourceId, recorded, capabilities);

    /// <summary>What this run learned so far.</summary>
    public DeliveryState State { get; } = new(requestsBefore);

    /// <summary>What became of each Bundle entry so far, in Bundle order.</summary>
    public IReadOnlyList<ResourceDelivery> Results() =>
        [.. plan.Items.Where(State.IsSettled).OrderBy(i => i.Index).Select(i => State.ResultOf(i)!.ToDelivery(i))];

    /// <summary>The Provenance's result once it arrived.</summary>
    public ResourceDelivery? ProvenanceResult => _provenance is not null && State.ResultOf(_provenance) is { } result ? result.ToDelivery(_provenance) : null;

    /// <summary>Runs the delivery on its own; null when everything arrived.</summary>
    public async Task<DeliveryFailure?> RunAsync(bool recallPeople, bool newAtTarget, CancellationToken cancellationToken)
    {
        var work = Prepare(recallPeople, newAtTarget);
        if (work.Count > 0)
        {
            var failures = await DeliveryBatch.SendAsync(client, targets.TransactionLimits(target).Plain, [.. work.Select(w => (this, w.Item, w.Read))], cancellationToken);
            if (failures.TryGetValue(this, out var failure))
            {
                return failure;
            }
        }
        return await WriteAsync(cancellationToken);
    }

    /// <summary>
    /// Phase 1: recalls what earlier deliveries learned, and lists what is left for a batch before writing: the
    /// conditional creates and the version reads. Empty when no batch is needed (or the target has none).
    /// </summary>
    public List<(PlannedWrite Item, bool Read)> Prepare(bool recallPeople, bool newAtTarget)
    {
        Recall(recallPeople);
        foreach (var item in plan.Items)
        {
            if (Expected(item) is { } version)
            {
                // The caller knows the version it last agreed with the target: no read needed.
                State.LearnPrior(item, version);
            }
        }
        if (newAtTarget)
        {
            // The caller knows nobody wrote these ids before this delivery (DeliveryRequest.NewAtTarget).
            foreach (var item in plan.Items.Where(i => i.Mode == WriteMode.Put && !State.KnowsPrior(i)))
            {
                State.LearnPrior(item, null);
            }
        }
        if (!capabilities.Batch)
        {
            return [];
        }
        var creates = plan.Items.Where(i => i.Mode == WriteMode.ConditionalCreate && !State.IsSettled(i) && plan.DependsOn(i).All(d => State.StableReference(d) is not null));
        var reads = targets.GetOptions(target).ReadVersionsBeforeWriting
            ? plan.Items.Where(i => i.Mode != WriteMode.ConditionalCreate && !State.KnowsPrior(i)).ToList()
            : [];
        // Without reads, a Bundle that fits one conditional transaction (the Provenance included) needs no batch first.
        var pending = plan.Items.Count(i => !State.IsSettled(i));
        if (reads.Count == 0 && pending + 1 + State.RememberedPeople.Count <= targets.TransactionLimits(target).Conditional)
        {
            return [];
        }
        return [.. creates.Select(i => (i, false)).Concat(reads.Select(i => (i, true)))];
    }

    // What earlier deliveries learned: people's ids (no conditional create needed) and versions (no read needed).
    private void Recall(bool people)
    {
        foreach (var item in plan.Items)
        {
            if (item.MemoryKey is not { } key || !memory.TryRecall(key, out var known))
            {
                continue;
            }
            if (item.Mode == WriteMode.ConditionalCreate)
            {
                if (people)
                {
                    // Matched, not overwritten: what a conditional create that found it reports.
                    State.Remember(item, known.Id, known.Version);
                }
            }
            else if (known.Version is not null)
            {
                State.LearnPrior(item, known.Version);
            }
        }
    }

    /// <summary>Phase 2: the Provenance, and every entry not settled yet in transactions; null when everything arrived.</summary>
    public async Task<DeliveryFailure?> WriteAsync(CancellationToken cancellationToken)
    {
        // A version remembered since phase 1 was written by another delivery in the meantime (the same resource in
        // two Bundles of one call, or a concurrent delivery): it is newer than what the read saw.
        foreach (var item in plan.Items)
        {
            if (item.Mode != WriteMode.ConditionalCreate && item.MemoryKey is { } key && memory.TryRecall(key, out var known) && known.Version is not null)
            {
                State.LearnPrior(item, known.Version);
            }
        }
        var check = State.RememberedPeople.ToList();
        var pending = plan.Items.Where(i => !State.IsSettled(i)).Concat(_provenance is null ? [] : [_provenance]);
        foreach (var part in TransactionParts.Of(pending, check.Count, targets.TransactionLimits(target)))
        {
            if (await SendTransactionAsync(part, check, cancellationToken) is { } partFailure)
            {
                return partFailure;
            }
            check = [];
        }
        return null;
    }

    private async Task<DeliveryFailure?> SendTransactionAsync(List<PlannedWrite> part, List<PlannedWrite> check, CancellationToken cancellationToken)
    {
        var inPart = part.ToHashSet();
        List<ResponseEntry>? entries;
        DeliveryFailure? failure;
        int sent;
        using (var bundle = new DeliveryBundleWriter("transaction"))
        {
            foreach (var item in part)
            {
                WriteEntry(bundle, item, inPart);
            }
            foreach (var person in check)
            {
                // A read that fails (404, 410) fails the whole transaction (FHIR transaction rules), before a reference
                // to a person the target no longer has is written.
                bundle.Read(State.StableReference(person)!);
            }
            sent = bundle.Count;
            State.CountRequest();
            (entries, failure) = await DeliveryAnswers.PostAsync(client, bundle, "transaction", cancellationToken);
        }
        if (failure is { HttpStatus: 400 } && part.Count > 1 && DeliveryAnswers.IsSizeLimit(failure.Outcome))
        {
            // The target has a smaller limit than configured (Medplum: 8 entries with conditional ones, 50 updates).
            // Each half is idempotent on its own, and the second half refers to the first by the ids it got.
            targets.LowerTransactionLimit(target, part.Any(i => i.IsConditional), sent);
            var half = part.Count / 2;
            return await SendTransactionAsync(part[..half], check, cancellationToken) ?? await SendTransactionAsync(part[half..], [], cancellationToken);
        }
        if (failure is { IsTransient: false } && DeliveryAnswers.IsRas2Refusal(failure.Outcome) && part.Any(i => i.HasLiteralRas2Form)
            && targets.LearnLiteralRas2Form(target))
        {
            // The target applies R4's text of ras-2 literally (FHIR-25796): the same part again, its predictions without
            // a probability in the form that text accepts. A transaction is all or nothing, so nothing of it was written.
            return await SendTransactionAsync(part, check, cancellationToken);
        }
        if (failure is { HttpStatus: 412 } && part.Where(i => IfMatch(i) is not null).Select(i => (i, Expected(i)!)).ToList() is { Count: > 0 } versioned)
        {
            // Someone changed a resource at the target since the version expected (or the 412 has another reason).
            failure = await DeliveryConflicts.FindAsync(client, capabilities, State, versioned, failure, cancellationToken);
            if (failure.Kind != DeliveryFailureKind.Permanent)
            {
                return failure;
            }
        }
        if (failure is not null)
        {
            if (check.Count > 0 && !failure.IsTransient)
            {
                State.RefuseRememberedPeople();
            }
            return failure;
        }
        return RecordTransaction(part, check, entries!);
    }

    // The answers to a transaction part: each write's result, then the remembered people's reads.
    private DeliveryFailure? RecordTransaction(List<PlannedWrite> part, List<PlannedWrite> check, List<ResponseEntry> entries)
    {
        for (var i = 0; i < part.Count; i++)
        {
            if ((entries[i].IsSuccess ? RecordWrite(part[i], entries[i]) : DeliveryAnswers.EntryFailure(part[i], entries[i])) is { } failure)
            {
                return failure;
            }
        }
        for (var i = 0; i < check.Count; i++)
        {
            var entry = entries[part.Count + i];
            if (!entry.IsSuccess || entry.Id is { } id && id != State.ResultOf(check[i])!.TargetId)
            {
                // Not a transaction after all: parts of it may be written, with a reference to a missing person.
                State.RefuseRememberedPeople();
                return DeliveryAnswers.EntryFailure(check[i], entry);
            }
            State.Confirm(check[i], entry.Version);
        }
        return null;
    }

    /// <summary>Records the target's answer to reading (phase 1) or writing <paramref name="item"/>; a failure ends the run.</summary>
    public DeliveryFailure? Record(PlannedWrite item, bool read, ResponseEntry entry)
    {
        if (read)
        {
            State.LearnPriorFromRead(item, entry);
            return null;
        }
        return entry.IsSuccess ? RecordWrite(item, entry) : DeliveryAnswers.EntryFailure(item, entry);
    }

    private DeliveryFailure? RecordWrite(PlannedWrite item, ResponseEntry entry)
    {
        if (State.Settle(item, entry.Status, entry.Id, entry.Version) is not { } result)
        {
            return DeliveryAnswers.NoId(item, entry);
        }
        if (item.MemoryKey is { } key)
        {
            if (item.Mode == WriteMode.Put && result.VersionId is { } written)
            {
                _written[key] = written;
            }
            if (item.Mode == WriteMode.ConditionalCreate || result.VersionId is not null)
            {
                memory.Remember(key, result.TargetId, result.VersionId);
            }
            else
            {
                memory.Forget(key);
            }
        }
        return null;
    }

    /// <summary>Writes the entry that writes <paramref name="item"/>, its references rewritten for a part holding <paramref name="inPart"/>.</summary>
    public void WriteEntry(DeliveryBundleWriter bundle, PlannedWrite item, IReadOnlySet<PlannedWrite> inPart)
    {
        string Rewrite(string original) => plan.Find(original) is { } referenced
            ? State.StableReference(referenced) ?? (inPart.Contains(referenced) ? referenced.Placeholder : original)
            : original;
        var condition = item.ConditionWhenSent?.Invoke(State.StableReference) ?? item.Condition;
        var json = targets.UsesLiteralRas2Form(target) ? item.LiteralRas2Json : item.Json;
        switch (item.Mode)
        {
            case WriteMode.Put:
                bundle.Write(item.Placeholder, json, item.Id, Rewrite, "PUT", $"{item.Type}/{item.Id}", null, IfMatch(item));
                break;
            case WriteMode.ConditionalCreate:
                bundle.Write(item.Placeholder, json, null, Rewrite, "POST", item.Type, condition);
                break;
            default:
                // A conditional update that creates must not carry an id (the target assigns one).
                bundle.Write(item.Placeholder, json, null, Rewrite, "PUT", $"{item.Type}?{condition}", null);
                break;
        }
    }

    /// <summary>
    /// The target's version an update of <paramref name="item"/> expects: one an earlier Bundle of this call wrote, else
    /// the caller's (<see cref="DeliveryRequest.ExpectedVersions"/>); null when the caller gave none.
    /// </summary>
    private string? Expected(PlannedWrite item) =>
        item.Mode == WriteMode.Put && expected is not null && item.MemoryKey is { } key && expected.TryGetValue(key, out var version)
            ? _written.GetValueOrDefault(key) ?? version
            : null;

    /// <summary>The <c>If-Match</c> ETag of an update of <paramref name="item"/>, where the target honours it for its type.</summary>
    private string? IfMatch(PlannedWrite item) =>
        Expected(item) is { } version && capabilities.SupportsVersionedUpdate(item.Type) ? $"W/\"{version}\"" : null;
}
