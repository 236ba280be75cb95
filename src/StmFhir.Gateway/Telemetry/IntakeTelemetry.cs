using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace StmFhir.Gateway.Telemetry;

/// <summary>
/// Intake's metrics and traces (meter and activity source <c>StmFhir.Intake</c>): sessions by outcome and refusal
/// reason, and the span of the store commit. Labels are outcomes and reasons only, never a session's or a patient's id.
/// </summary>
internal static class IntakeTelemetry
{
    public const string Name = "StmFhir.Intake";

    public const string OutcomeTag = "stmfhir.session.outcome";

    public const string ReasonTag = "stmfhir.refusal.reason";

    private static readonly Meter Meter = new(Name);

    public static ActivitySource Source { get; } = new(Name);

    private static readonly Counter<long> Sessions = Meter.CreateCounter<long>("stmfhir.sessions", unit: "{session}",
        description: "STM sessions posted, by outcome (accepted: new, updated, unchanged, refused) and refusal reason.");

    /// <summary>Counts a session stored: <c>accepted</c> (new), <c>updated</c> or <c>unchanged</c>.</summary>
    public static void Stored(string outcome) => Sessions.Add(1, new KeyValuePair<string, object?>(OutcomeTag, outcome));

    /// <summary>
    /// Counts a refused session by reason: <c>unreadable</c> (not JSON, too large, wrong media type, or a field the
    /// session record does not allow), <c>invalid</c> (validation errors), <c>precondition_failed</c>, <c>conflict</c>
    /// (a person identifier another resource has) or <c>rejected</c> (the store could not take it).
    /// </summary>
    public static void Refused(Ingest.IngestOutcome outcome) => Refused(outcome switch
    {
        { Invalid: not null } => "invalid",
        { Rejected.Reason: StmFhir.Exchange.Store.StoreRejection.PreconditionFailed } => "precondition_failed",
        { Rejected.Reason: StmFhir.Exchange.Store.StoreRejection.Conflict } => "conflict",
        _ => "rejected",
    });

    /// <summary>Counts a refused session; <paramref name="reason"/> is one of the reasons above.</summary>
    public static void Refused(string reason) =>
        Sessions.Add(1, new KeyValuePair<string, object?>(OutcomeTag, "refused"), new KeyValuePair<string, object?>(ReasonTag, reason));
}
