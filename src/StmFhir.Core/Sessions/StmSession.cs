namespace StmFhir.Core.Sessions;

/// <summary>
/// One soft tissue mobilization (STM) therapy session as a physical-therapy system records it: the input
/// format of StmFhir. Its JSON form is documented in docs/SESSION-RECORD.md and samples/stm-session.schema.json.
/// </summary>
/// <remarks>
/// <see cref="SourceSystem"/> and <see cref="SessionId"/> together are the session's stable identity: every
/// FHIR identifier and resource id the mapper produces is derived from them, so a re-sent session is recognised.
/// </remarks>
public sealed record StmSession
{
    /// <summary>Absolute URI naming the therapy system that recorded the session.</summary>
    public required string SourceSystem { get; init; }

    /// <summary>The session's id within <see cref="SourceSystem"/>.</summary>
    public required string SessionId { get; init; }

    /// <summary>The treated patient.</summary>
    public required PatientRecord Patient { get; init; }

    /// <summary>The treating clinician.</summary>
    public required ClinicianRecord Clinician { get; init; }

    /// <summary>The encounter (visit) id in <see cref="SourceSystem"/>, if the therapy system has one.</summary>
    public string? EncounterId { get; init; }

    /// <summary>Whether the session was completed, stopped early, or not done.</summary>
    public required SessionStatus Status { get; init; }

    /// <summary>Why the session was stopped or not done; required when <see cref="Status"/> is not-done.</summary>
    public string? StatusReason { get; init; }

    /// <summary>When the session started (or was due to start), with its UTC offset.</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>When the session ended; required unless the session was not done.</summary>
    public DateTimeOffset? End { get; init; }

    /// <summary>Manual (hands) or instrument-assisted (IASTM).</summary>
    public required Technique Technique { get; init; }

    /// <summary>The instrument used; required for instrument-assisted sessions, absent for manual ones.</summary>
    public InstrumentRecord? Instrument { get; init; }

    /// <summary>The friction-reducing lubricant or cream applied, by name.</summary>
    public string? Lubricant { get; init; }

    /// <summary>Stroke pressure.</summary>
    public required Pressure Pressure { get; init; }

    /// <summary>Sustained (held) or rhythmic (oscillating) strokes.</summary>
    public required StrokeRhythm StrokeRhythm { get; init; }

    /// <summary>The stroke types used, in the order recorded.</summary>
    public IReadOnlyList<StrokeType> Strokes { get; init; } = [];

    /// <summary>The treated body regions with the minutes spent on each; at least one.</summary>
    public IReadOnlyList<TreatedRegion> Regions { get; init; } = [];

    /// <summary>The conditions treated.</summary>
    public IReadOnlyList<ClinicalCode> Indications { get; init; } = [];

    /// <summary>Pain scores taken before, after, or at follow-up.</summary>
    public IReadOnlyList<PainScore> PainScores { get; init; } = [];

    /// <summary>Range-of-motion measurements.</summary>
    public IReadOnlyList<RomMeasurement> RomMeasurements { get; init; } = [];

    /// <summary>The screening done before treatment; absent if none was recorded (a clinical-rule error).</summary>
    public ScreeningRecord? Screening { get; init; }

    /// <summary>Complications seen during or after the session.</summary>
    public IReadOnlyList<Complication> Complications { get; init; } = [];

    /// <summary>Free-text notes.</summary>
    public string? Notes { get; init; }
}
