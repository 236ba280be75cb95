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

    /// <summary>The Procedures this pull did not store: their ids and versions at the target and why (no patient data).</summary>
    public IReadOnlyList<PullFailure> Failures { get; init; } = [];

    /// <summary>The Procedures listed as not stored by an earlier pull that this one stored (or found not to be STM sessions).</summary>
    public IReadOnlyList<string> Cleared { get; init; } = [];

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
/// <param name="Failed">STM Procedures not stored: not mappable back, invalid (an error issue), or refused by the store.</param>
/// <param name="Conflicted">
/// Sessions not stored because they changed here too since this target and the store last agreed: a conflict, listed
/// in <c>/exchange/status</c> and <c>stmfhir outbox conflicts</c> until resolved (Conflicts/CONFLICTS.md).
/// </param>
public sealed record PullCounts(int Pages, int Fetched, int Created, int Updated, int Unchanged, int Skipped, int Failed, int Conflicted = 0);

/// <summary>A Procedure that could not be pulled, listed until a later version of it is stored.</summary>
/// <param name="ProcedureId">The Procedure's id at the target.</param>
/// <param name="Version">Its <c>meta.versionId</c> at the target, when the target gives one.</param>
/// <param name="Issues">Why: the error issues, by code and location; never resource content.</param>
/// <param name="At">When a pull found it (the pull's start).</param>
public sealed record PullFailure(string ProcedureId, string? Version, IReadOnlyList<PullIssue> Issues, DateTimeOffset At)
{
    /// <summary>Equal when the same Procedure version failed with the same issues at the same time.</summary>
    public bool Equals(PullFailure? other) =>
        other is not null && ProcedureId == other.ProcedureId && Version == other.Version && At == other.At && Issues.SequenceEqual(other.Issues);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ProcedureId, Version, At, Issues.Count);
}

/// <summary>One error that kept a pulled session out of the store.</summary>
/// <param name="Code">
/// The validation engine's code (<c>STM-CLIN-001</c>, <c>FIRELY-1011</c>, ...; VALIDATION.md), or pull's own for what
/// happens before or after it (<see cref="PullIssueCodes"/>).
/// </param>
/// <param name="Expression">
/// Where: for the engine's issues, a FHIRPath expression into the transaction Bundle the session maps to
/// (<c>Bundle.entry[5].resource.valueQuantity.value</c>); for a session that cannot be mapped back, the resource at the
/// target and its element (<c>Observation('o1').valueInteger</c>).
/// </param>
/// <param name="Location">The STM session field, when known (<c>$.romMeasurements[0].degrees</c>).</param>
public sealed record PullIssue(string Code, string? Expression, string? Location);

/// <summary>Pull's own issue codes, for what keeps a session out of the store before or after validation.</summary>
public static class PullIssueCodes
{
    /// <summary>The target's resources do not make an STM session (a part is missing or not understood).</summary>
    public const string NotASession = "STM-PULL-001";

    /// <summary>The session breaks a rule of the session format (a length, a range, a rule across fields; <c>SessionRules</c>).</summary>
    public const string SessionRule = "STM-PULL-002";

    /// <summary>The store refused the session's changes (e.g. a second person with an identifier another one has).</summary>
    public const string RefusedByStore = "STM-PULL-003";
}
