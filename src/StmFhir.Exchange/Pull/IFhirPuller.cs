namespace StmFhir.Exchange.Pull;

/// <summary>
/// Pulls STM sessions from a configured target into the store: the Procedures changed since the target's watermark, with
/// their Observations, screening, Patient and Practitioner, mapped back to sessions and stored idempotently (PULL.md).
/// </summary>
/// <remarks>Thread-safe, one per process. Never throws for what the network or the target do (see <see cref="PullResult.Error"/>).</remarks>
public interface IFhirPuller
{
    /// <summary>Runs one pull of <see cref="PullRequest.Target"/>; throws <see cref="KeyNotFoundException"/> for an unknown target.</summary>
    Task<PullResult> PullAsync(PullRequest request, CancellationToken cancellationToken = default);
}

/// <summary>One pull of one target.</summary>
/// <param name="Target">The configured target's name.</param>
public sealed record PullRequest(string Target)
{
    /// <summary>Start from this instant instead of the stored watermark (which still only moves forward).</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Resources per search page; the target's <c>Pull:PageSize</c> when null.</summary>
    public int? PageSize { get; init; }
}

/// <summary>What a pull did.</summary>
public sealed record PullResult
{
    /// <summary>The target's name.</summary>
    public required string Target { get; init; }

    /// <summary>When the pull started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>The <c>_lastUpdated</c> lower bound the pull searched Procedures from (inclusive), or null for everything.</summary>
    public string? Since { get; init; }

    /// <summary>The stored Procedure watermark after the pull.</summary>
    public string? Watermark { get; init; }

    /// <summary>The counts.</summary>
    public required PullCounts Counts { get; init; }

    /// <summary>The Procedures that could not be mapped back or stored: their ids and why (no patient data).</summary>
    public IReadOnlyList<PullFailure> Failures { get; init; } = [];

    /// <summary>Why the pull stopped early (the target failed, a paging link left the server), or null when it finished.</summary>
    public string? Error { get; init; }

    /// <summary>True when the pull finished and every STM Procedure was stored.</summary>
    public bool Succeeded => Error is null && Counts.Failed == 0;
}

/// <summary>The counts of a pull.</summary>
/// <param name="Pages">Search pages read.</param>
/// <param name="Fetched">Distinct Procedures read (STM or not), changed themselves or through a changed part.</param>
/// <param name="Created">Sessions stored that were not here before.</param>
/// <param name="Updated">Sessions stored with changes (new versions of the changed resources only).</param>
/// <param name="Unchanged">Sessions already stored with the same content: nothing written.</param>
/// <param name="Skipped">Procedures that are not STM sessions.</param>
/// <param name="Failed">STM Procedures that could not be mapped back or stored.</param>
public sealed record PullCounts(int Pages, int Fetched, int Created, int Updated, int Unchanged, int Skipped, int Failed);

/// <summary>A Procedure that could not be pulled.</summary>
/// <param name="ProcedureId">The Procedure's id at the target.</param>
/// <param name="Reason">FHIRPath locations and what is wrong; never resource content.</param>
public sealed record PullFailure(string ProcedureId, string Reason);
