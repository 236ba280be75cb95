using StmFhir.Core.Sessions;

namespace StmFhir.Core.Outcomes;

/// <summary>A patient's outcome trends across their STM sessions (<see cref="OutcomeTrends"/>).</summary>
/// <param name="PatientId">The Patient's id.</param>
/// <param name="Sessions">The STM sessions, oldest first, numbered from 1.</param>
/// <param name="Series">One series per measure and timing: pain per timing, range of motion per joint, movement, side, mode and timing.</param>
/// <param name="Durability">Per session with pre, post and follow-up values of one measure: whether the post-session gain held.</param>
public sealed record OutcomeReport(string PatientId, IReadOnlyList<OutcomeSession> Sessions, IReadOnlyList<OutcomeSeries> Series,
    IReadOnlyList<GainDurability> Durability);

/// <summary>One STM session of the patient.</summary>
/// <param name="Number">1 for the first session (by start time), and so on.</param>
/// <param name="ProcedureId">The session's Procedure id.</param>
/// <param name="Start">When the session started.</param>
public sealed record OutcomeSession(int Number, string ProcedureId, DateTimeOffset Start);

/// <summary>What a series measures: pain (NRS 0-10), or range of motion of one joint, movement, side and mode.</summary>
/// <param name="Rom">Null for pain.</param>
public sealed record OutcomeMeasure(RomKey? Rom)
{
    /// <summary>The pain measure (NRS 0-10).</summary>
    public static OutcomeMeasure Pain { get; } = new((RomKey?)null);

    /// <summary>True for pain.</summary>
    public bool IsPain => Rom is null;

    /// <summary>A stable name, e.g. <c>pain</c> or <c>knee-flexion-left-active</c>.</summary>
    public string Key => Rom is { } rom
        ? $"{JsonNames<Joint>.Of(rom.Joint)}-{JsonNames<Movement>.Of(rom.Movement)}-{JsonNames<Side>.Of(rom.Side)}-{JsonNames<RomMode>.Of(rom.Mode)}"
        : "pain";
}

/// <summary>One range-of-motion measure.</summary>
public sealed record RomKey(Joint Joint, Movement Movement, Side Side, RomMode Mode);

/// <summary>A measure at one timing across sessions.</summary>
/// <param name="Measure">What is measured.</param>
/// <param name="Timing">Before, after or at follow-up of each session.</param>
/// <param name="NormalMax">Range of motion: the normal maximum of the joint and movement (the normal range is 0 to it), if known.</param>
/// <param name="Points">One value per session that has one, oldest first.</param>
public sealed record OutcomeSeries(OutcomeMeasure Measure, MeasurementTiming Timing, decimal? NormalMax, IReadOnlyList<OutcomePoint> Points);

/// <summary>One value of a series, compared with the series' first value.</summary>
/// <param name="Session">The session's number.</param>
/// <param name="ProcedureId">The session's Procedure id.</param>
/// <param name="TakenAt">When the value was taken.</param>
/// <param name="Value">NRS points or degrees.</param>
/// <param name="Change">Value minus the first session's value (null for the first point).</param>
/// <param name="Assessment">The change judged against the measure's threshold (null for the first point).</param>
public sealed record OutcomePoint(int Session, string ProcedureId, DateTimeOffset TakenAt, decimal Value, decimal? Change, ChangeAssessment? Assessment);

/// <summary>Whether a session's post-session gain was still there at its follow-up.</summary>
/// <param name="Measure">What is measured.</param>
/// <param name="Session">The session's number.</param>
/// <param name="ProcedureId">The session's Procedure id.</param>
/// <param name="Pre">The value before treatment.</param>
/// <param name="Post">The value right after treatment.</param>
/// <param name="FollowUp">The value at follow-up.</param>
/// <param name="PostGain">Post judged against pre.</param>
/// <param name="FollowUpGain">Follow-up judged against pre.</param>
public sealed record GainDurability(OutcomeMeasure Measure, int Session, string ProcedureId, decimal Pre, decimal Post, decimal FollowUp,
    ChangeAssessment PostGain, ChangeAssessment FollowUpGain)
{
    /// <summary>True when the post-session value improved importantly and the follow-up still did; null when there was no important gain to hold.</summary>
    public bool? Held => PostGain == ChangeAssessment.Improved ? FollowUpGain == ChangeAssessment.Improved : null;
}

/// <summary>A change judged against its measure's threshold (<see cref="OutcomeThresholds"/>).</summary>
public enum ChangeAssessment
{
    /// <summary>Better by at least the threshold.</summary>
    Improved,
    /// <summary>Worse by at least the threshold.</summary>
    Worsened,
    /// <summary>Within the threshold either way.</summary>
    NoImportantChange,
}
