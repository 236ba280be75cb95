namespace StmFhir.Core.Sessions;

/// <summary>A 0-10 numeric pain rating.</summary>
public sealed record PainScore
{
    /// <summary>The rating, 0 (no pain) to 10 (worst imaginable).</summary>
    public required int Score { get; init; }

    /// <summary>Before, after, or at follow-up of the session.</summary>
    public required MeasurementTiming Timing { get; init; }

    /// <summary>Where the pain was rated, if recorded.</summary>
    public BodyRegion? Site { get; init; }

    /// <summary>The side of <see cref="Site"/>, where it has one.</summary>
    public Laterality? Laterality { get; init; }

    /// <summary>When the rating was taken.</summary>
    public required DateTimeOffset TakenAt { get; init; }
}

/// <summary>One range-of-motion measurement: one joint, one movement, active or passive, one side.</summary>
public sealed record RomMeasurement
{
    /// <summary>The joint measured.</summary>
    public required Joint Joint { get; init; }

    /// <summary>The movement measured.</summary>
    public required Movement Movement { get; init; }

    /// <summary>Active (the patient moves) or passive (the clinician moves).</summary>
    public required RomMode Mode { get; init; }

    /// <summary>Left or right.</summary>
    public required Side Side { get; init; }

    /// <summary>The measured angle in degrees, 0-360.</summary>
    public required decimal Degrees { get; init; }

    /// <summary>Before, after, or at follow-up of the session.</summary>
    public required MeasurementTiming Timing { get; init; }

    /// <summary>How the angle was measured.</summary>
    public required RomMethod Method { get; init; }

    /// <summary>When the measurement was taken.</summary>
    public required DateTimeOffset TakenAt { get; init; }
}
