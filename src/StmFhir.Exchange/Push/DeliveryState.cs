namespace StmFhir.Exchange.Push;

/// <summary>What the target made of one planned write.</summary>
/// <param name="TargetId">The resource's id at the target.</param>
/// <param name="VersionId">The target's version, if it told one.</param>
/// <param name="Change">Created, updated or unchanged.</param>
internal sealed record WriteResult(string TargetId, string? VersionId, ResourceChange Change)
{
    public ResourceDelivery ToDelivery(PlannedWrite write) => new(write.Type, write.Source, TargetId, VersionId, Change);
}

/// <summary>
/// Everything one delivery run learns, and the one place it changes: per planned write, the version the target had
/// before writing (once known) and the result of the write (once settled); the people taken from memory, whether the
/// transaction that checked them was refused, and the requests sent. The plan itself never changes, so a delivery
/// that must start again (a refused shared batch, forgotten people) starts a new state over the same plan.
/// </summary>
internal sealed class DeliveryState(int requestsBefore)
{
    // Present once known; the value is the version (null: the target had none).
    private readonly Dictionary<PlannedWrite, string?> _prior = [];
    private readonly Dictionary<PlannedWrite, WriteResult> _results = [];
    private readonly List<PlannedWrite> _remembered = [];

    /// <summary>Requests sent (each possibly retried by the resilience pipeline), this run's and those before it.</summary>
    public int Requests { get; private set; } = requestsBefore;

    /// <summary>
    /// People taken from <see cref="TargetMemory"/> instead of a conditional create; the first transaction reads each,
    /// so a person the target no longer has fails it before anything refers to the missing id.
    /// </summary>
    public IReadOnlyList<PlannedWrite> RememberedPeople => _remembered;

    /// <summary>True when the transaction that checked <see cref="RememberedPeople"/> was refused (permanently).</summary>
    public bool RememberedPeopleRefused { get; private set; }

    /// <summary>True once the version <paramref name="write"/>'s resource had at the target before writing is known.</summary>
    public bool KnowsPrior(PlannedWrite write) => _prior.ContainsKey(write);

    /// <summary>The result of <paramref name="write"/>, once settled.</summary>
    public WriteResult? ResultOf(PlannedWrite write) => _results.GetValueOrDefault(write);

    public bool IsSettled(PlannedWrite write) => _results.ContainsKey(write);

    /// <summary>How any part can refer to the resource: by the target's id once known, or by its own id when PUT.</summary>
    public string? StableReference(PlannedWrite write) =>
        _results.TryGetValue(write, out var result) ? $"{write.Type}/{result.TargetId}" : write.Mode == WriteMode.Put ? $"{write.Type}/{write.Id}" : null;

    /// <summary>Records the version the target has for <paramref name="write"/>'s resource before it is written (null: none).</summary>
    public void LearnPrior(PlannedWrite write, string? version) => _prior[write] = version;

    /// <summary>Learns the version before writing from the answer to reading it in phase 1, when the answer tells it.</summary>
    public void LearnPriorFromRead(PlannedWrite write, ResponseEntry read)
    {
        switch (read)
        {
            case { Status: 404 or 410 }:
            case { Status: 200, Search.Matches: 0 }:
                LearnPrior(write, null);
                break;
            case { Status: 200, Search: { Matches: 1 } search }:
                LearnPrior(write, search.FirstVersion);
                break;
            case { Status: 200, Search: null, Version: { } version }:
                LearnPrior(write, version);
                break;
            default:
                // Unknown: the write's status alone decides created or updated.
                break;
        }
    }

    /// <summary>Takes a remembered person's id and version instead of a conditional create: matched, not overwritten.</summary>
    public void Remember(PlannedWrite person, string targetId, string? version)
    {
        _results[person] = new WriteResult(targetId, version, ResourceChange.Unchanged);
        _remembered.Add(person);
    }

    /// <summary>A remembered person read again inside a transaction: the version the read told, if it told one.</summary>
    public void Confirm(PlannedWrite person, string? version) =>
        _results[person] = _results[person] with { VersionId = version ?? _results[person].VersionId };

    /// <summary>
    /// Settles <paramref name="write"/> from the target's answer to writing it; null when the answer names no id (the
    /// write then stays unsettled). A <c>200</c> is Unchanged for a conditional create (it matched), and otherwise
    /// Updated, unless the version before writing is known: none (created by an earlier attempt whose answer was
    /// lost), or the same version (unchanged).
    /// </summary>
    public WriteResult? Settle(PlannedWrite write, int status, string? id, string? version)
    {
        if ((id ?? ResultOf(write)?.TargetId ?? write.Id) is not { } targetId)
        {
            return null;
        }
        var known = _prior.TryGetValue(write, out var prior);
        var change = status == 201 ? ResourceChange.Created
            : write.Mode == WriteMode.ConditionalCreate ? ResourceChange.Unchanged
            : !known ? ResourceChange.Updated
            : prior is null ? ResourceChange.Created
            : version is not null && version == prior ? ResourceChange.Unchanged
            : ResourceChange.Updated;
        return _results[write] = new WriteResult(targetId, version, change);
    }

    public void CountRequest() => Requests++;

    public void RefuseRememberedPeople() => RememberedPeopleRefused = true;
}
