namespace StmFhir.Exchange.Pull;

/// <summary>
/// The pull state per target, in the same database as the resources (table <c>pull_state</c>): the watermark and what
/// the last pull did. A store's pull state: <see cref="PullResourceStoreExtensions.PullState"/>. Thread-safe.
/// </summary>
public interface IPullStateStore
{
    /// <summary>The state of <paramref name="target"/>, or null when it was never pulled.</summary>
    Task<PullState?> GetPullStateAsync(string target, CancellationToken cancellationToken = default);

    /// <summary>Every target's state, by name.</summary>
    Task<IReadOnlyList<PullState>> ListPullStatesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the watermark of <paramref name="resourceType"/> at <paramref name="target"/> to <paramref name="watermark"/>
    /// unless the stored one is later already: it never moves back, also when two pulls of one target run at once.
    /// True when it moved.
    /// </summary>
    Task<bool> AdvanceWatermarkAsync(string target, string resourceType, DateTimeOffset watermark, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records what a pull of <paramref name="result"/>'s target did: its counts and error, and in one transaction its
    /// failures added to the target's list (replacing an earlier failure of the same Procedure) and its
    /// <see cref="PullResult.Cleared"/> Procedures taken off it.
    /// </summary>
    Task RecordPullAsync(PullResult result, CancellationToken cancellationToken = default);
}

/// <summary>A target's pull state.</summary>
/// <param name="Target">The target's name.</param>
/// <param name="Watermarks">
/// Per resource type scanned (Procedure, Observation, RiskAssessment), the greatest <c>meta.lastUpdated</c> of a page of
/// them whose sessions are committed (FHIR instant, UTC); a type never seen has none.
/// </param>
/// <param name="LastPullAt">When the last pull started.</param>
/// <param name="LastCounts">What it did.</param>
/// <param name="Failures">
/// The Procedures not stored, by id at the target, oldest first: each found by a pull, and listed until a later pull
/// stores a version of it (a pull reads a Procedure again only once it changes).
/// </param>
/// <param name="LastError">Why it stopped early, if it did.</param>
public sealed record PullState(string Target, IReadOnlyDictionary<string, string> Watermarks, DateTimeOffset? LastPullAt, PullCounts? LastCounts,
    IReadOnlyList<PullFailure> Failures, string? LastError)
{

    /// <summary>The Procedure watermark: the <c>_lastUpdated</c> the next pull searches Procedures from (inclusive).</summary>
    public string? Watermark => Watermarks.GetValueOrDefault("Procedure");
}
