using System.Text.Json;
using StmFhir.Exchange.Conflicts;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Pull;
using StmFhir.Exchange.Store;
using StmFhir.Exchange.Targets;
using StmFhir.Exchange.Targets.Authentication;
using StmFhir.Gateway.Fhir;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Exchange;

/// <summary>The outbox's delivery state and the pulls' state.</summary>
/// <param name="Targets">
/// Per target, rows pending, in flight, delivered, dead-lettered and held by a conflict; when the oldest waiting row was
/// committed, the last error among its open rows, and whether the target was removed from the configuration (orphaned:
/// its open rows wait for a purge or its return). Counted from the open rows and a maintained delivered counter, never
/// from the delivered history.
/// </param>
/// <param name="Dead">The dead-lettered rows with the target's reasons.</param>
/// <param name="Pulls">Per target pulled from (by the schedule or <c>stmfhir pull</c>), or with a scheduled pull.</param>
/// <param name="DuplicateIdentifiers">
/// Identifiers (type and system; never the value, an MRN is patient data) that several current Patients or Practitioners
/// carry, with their ids, the one intake uses first; the first <see cref="ExchangeEndpoints.DuplicatesListed"/>.
/// </param>
/// <param name="Conflicts">
/// The unresolved conflicts (sessions changed both here and at a target since the two last agreed), oldest first, the
/// first <see cref="ExchangeEndpoints.ConflictsListed"/>: per resource both sides' ids and versions (now, and when they
/// last agreed); resolved with <c>stmfhir outbox resolve &lt;id&gt; --ours|--theirs</c> or the target's ConflictPolicy.
/// </param>
internal sealed record ExchangeStatus(IReadOnlyList<OutboxTargetCounts> Targets, IReadOnlyList<DeadRow> Dead, IReadOnlyList<PullStatus> Pulls,
    IReadOnlyList<DuplicateIdentifier> DuplicateIdentifiers, IReadOnlyList<ExchangeConflict> Conflicts)
{
    /// <summary>
    /// Per configured target, how it authenticates and how its token fetches went: the token endpoint, the scopes, tokens
    /// fetched, and the last failure (<c>invalid_client</c>, <c>invalid_scope</c>, <c>clock_skew</c>, ...) with whether its
    /// rows wait (back-off) or are dead-lettered. Never a token or a secret.
    /// </summary>
    public IReadOnlyList<TargetAuthState> Authentication { get; init; } = [];

    /// <summary>Per configured target, its circuit breaker's state (closed, open, half-open, isolated; null before first use).</summary>
    public IReadOnlyList<TargetCircuit> Circuits { get; init; } = [];

    /// <summary>When this answer was made (the gateway's clock), against which to read the targets' oldest pending times.</summary>
    public DateTimeOffset AsOf { get; init; }
}

/// <summary>A target's circuit breaker.</summary>
/// <param name="Target">The target.</param>
/// <param name="State">closed, open, half-open or isolated; null while its client has not been used.</param>
internal sealed record TargetCircuit(string Target, string? State);

/// <summary>A target's pulls.</summary>
/// <param name="Target">The target.</param>
/// <param name="Scheduled">Whether the gateway pulls from it on a schedule (<c>Pull:Enabled</c>).</param>
/// <param name="Watermark">The <c>_lastUpdated</c> the next pull searches Procedures from (inclusive).</param>
/// <param name="Watermarks">The same per resource type scanned (Procedure, Observation, RiskAssessment).</param>
/// <param name="LastPullAt">When the last pull started.</param>
/// <param name="LastCounts">What it did.</param>
/// <param name="LastError">Why it stopped early, if it did.</param>
/// <param name="FailureCount">How many Procedures at the target are not stored (invalid, not a session, refused by the store).</param>
/// <param name="Failures">
/// The first <see cref="ExchangeEndpoints.FailuresListed"/> of them, oldest first: the Procedure's id and version at the
/// target, when a pull found it, and its error issues (code, FHIRPath expression, STM field); until a pull stores a
/// later version of it.
/// </param>
internal sealed record PullStatus(string Target, bool Scheduled, string? Watermark, IReadOnlyDictionary<string, string> Watermarks, DateTimeOffset? LastPullAt, PullCounts? LastCounts,
    string? LastError, int FailureCount, IReadOnlyList<PullFailure> Failures);

/// <summary>A dead-lettered row.</summary>
/// <param name="OutboxId">The outbox row (for <c>stmfhir outbox replay</c>).</param>
/// <param name="Target">The target that refused it.</param>
/// <param name="Source">The row's source.</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="At">When it was dead-lettered.</param>
/// <param name="HttpStatus">The target's status.</param>
/// <param name="Message">The failure.</param>
/// <param name="Outcome">The target's OperationOutcome.</param>
internal sealed record DeadRow(long OutboxId, string Target, string Source, int Attempts, DateTimeOffset At, int? HttpStatus, string? Message, JsonElement? Outcome);

/// <summary><c>GET /exchange/status</c> and <c>GET /exchange/outbox/{id}</c>.</summary>
internal static class ExchangeEndpoints
{
    /// <summary>How many duplicated identifiers the status lists at most.</summary>
    public const int DuplicatesListed = 100;

    /// <summary>How many unresolved conflicts the status lists at most.</summary>
    public const int ConflictsListed = 1000;

    /// <summary>How many Procedures not stored the status lists at most per target.</summary>
    public const int FailuresListed = 1000;

    /// <summary>
    /// Maps <c>GET /exchange/status</c> (read scope): counts per target, the dead-lettered rows, the pulls; and
    /// <c>GET /exchange/outbox/{id}</c> (read scope): one outbox row's delivery per target with the per-resource results.
    /// </summary>
    public static IEndpointRouteBuilder MapExchangeStatus(this IEndpointRouteBuilder app)
    {
        app.MapGet("/exchange/status", StatusAsync).RequireAuthorization(Scopes.ReadPolicy)
            .WithTags("Exchange").WithSummary("Delivery state of the outbox per target, the dead-lettered rows with their reasons, the pulls per target, duplicated person identifiers, and unresolved conflicts with both sides' ids and versions")
            .Produces<ExchangeStatus>();
        app.MapGet("/exchange/outbox/{id:long}", OutboxRowAsync).RequireAuthorization(Scopes.ReadPolicy)
            .WithTags("Exchange")
            .WithSummary("One outbox row: its state per target, attempts, last error, and per resource the target's id, version and outcome (ids only, no bodies)")
            .Produces<OutboxEntry>();
        return app;
    }

    private static async Task<IResult> OutboxRowAsync(long id, IOutboxStore outbox, CancellationToken cancellationToken) =>
        await outbox.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } entry
            ? TypedResults.Ok(entry)
            : Outcomes.NotFound($"Outbox row {id} does not exist");

    private static async Task<IResult> StatusAsync(IOutboxStore outbox, IPullStateStore pulls, IResourceStore store, IServiceProvider services,
        TimeProvider time, CancellationToken cancellationToken)
    {
        // A configured target is listed even without rows; one not added to the outbox yet counts every row it lacks as pending.
        var exchange = services.GetService<IFhirTargets>();
        var targets = exchange?.Names;
        var counts = await outbox.CountAsync(targets?.ToList(), cancellationToken).ConfigureAwait(false);
        var dead = await outbox.ListAsync(OutboxStates.Dead, 1000, cancellationToken).ConfigureAwait(false);
        var pullStates = (await pulls.ListPullStatesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(p => p.Target, StringComparer.Ordinal);
        var scheduled = targets?.Where(t => exchange!.GetOptions(t).Pull.Enabled).ToHashSet(StringComparer.Ordinal) ?? [];
        var pullStatus = pullStates.Keys.Union(scheduled).Order(StringComparer.Ordinal).Select(t => pullStates.TryGetValue(t, out var p)
            ? new PullStatus(t, scheduled.Contains(t), p.Watermark, p.Watermarks, p.LastPullAt, p.LastCounts, p.LastError,
                p.Failures.Count, [.. p.Failures.Take(FailuresListed)])
            : new PullStatus(t, true, null, new Dictionary<string, string>(), null, null, null, 0, []));
        return TypedResults.Ok(new ExchangeStatus(counts, [.. dead.Select(d => new DeadRow(
            d.OutboxId, d.Target, d.Source, d.Attempts, d.UpdatedAt, d.HttpStatus, d.Error,
            d.Outcome is null ? null : JsonDocument.Parse(d.Outcome).RootElement.Clone()))], [.. pullStatus],
            await store.DuplicateIdentifiersAsync(DuplicatesListed, cancellationToken).ConfigureAwait(false),
            await store.Conflicts().ListAsync(limit: ConflictsListed, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            Authentication = services.GetService<IFhirTargetAuthStatus>()?.List() ?? [],
            Circuits = [.. (targets ?? []).Select(t => new TargetCircuit(t, services.GetService<IFhirTargetCircuits>()?.State(t)))],
            AsOf = time.GetUtcNow(),
        });
    }
}
