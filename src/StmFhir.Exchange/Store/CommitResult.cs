namespace StmFhir.Exchange.Store;

/// <summary>What a change did.</summary>
public enum ChangeOutcome
{
    /// <summary>A new resource (version 1).</summary>
    Created,

    /// <summary>A new version of an existing resource: the content differed.</summary>
    Updated,

    /// <summary>Same content as the current version: nothing written.</summary>
    Unchanged,

    /// <summary>Conditional create that found its match: the existing resource is used, nothing written.</summary>
    Matched,
}

/// <summary>The stored state of one change after a commit.</summary>
/// <param name="Resource">The current version of the resource.</param>
/// <param name="Outcome">What the change did.</param>
public sealed record CommittedEntry(StoredResource Resource, ChangeOutcome Outcome)
{
    /// <summary>True when this change wrote a new version.</summary>
    public bool Wrote => Outcome is ChangeOutcome.Created or ChangeOutcome.Updated;
}

/// <summary>The outcome of a change set, one entry per change in the same order.</summary>
/// <param name="Entries">One entry per change.</param>
/// <param name="OutboxId">
/// The outbox row written with the data (by the outbox, the store's extension that writes a row with every commit), or
/// null when nothing changed.
/// </param>
public sealed record CommitResult(IReadOnlyList<CommittedEntry> Entries, long? OutboxId)
{
    /// <summary>True when at least one change wrote a new version.</summary>
    public bool Changed => Entries.Any(e => e.Wrote);
}
