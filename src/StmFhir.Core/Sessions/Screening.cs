namespace StmFhir.Core.Sessions;

/// <summary>The screening for precautions and contraindications done before treatment.</summary>
public sealed record ScreeningRecord
{
    /// <summary>When the screening was done.</summary>
    public required DateTimeOffset PerformedAt { get; init; }

    /// <summary>The screening's conclusion.</summary>
    public required ScreeningResult Result { get; init; }

    /// <summary>Precautions and contraindications found, each coded.</summary>
    public IReadOnlyList<ScreeningFinding> Findings { get; init; } = [];

    /// <summary>Medications of note (e.g. anticoagulants).</summary>
    public IReadOnlyList<MedicationRecord> Medications { get; init; } = [];

    /// <summary>Adverse outcomes considered, with their assessed likelihood.</summary>
    public IReadOnlyList<RiskPrediction> Predictions { get; init; } = [];

    /// <summary>What the clinician does to reduce the risk (e.g. "light pressure only").</summary>
    public string? Mitigation { get; init; }
}

/// <summary>A precaution or contraindication found at screening.</summary>
/// <param name="Kind">Precaution or contraindication.</param>
/// <param name="Code">The coded finding.</param>
public sealed record ScreeningFinding(FindingKind Kind, ClinicalCode Code);

/// <summary>A medication of note.</summary>
/// <param name="Name">The medication's name as recorded.</param>
/// <param name="Code">A coding from the source system, if it has one.</param>
public sealed record MedicationRecord(string Name, CodingRecord? Code);

/// <summary>A code from a named code system.</summary>
/// <param name="System">Absolute URI of the code system.</param>
/// <param name="Code">The code.</param>
/// <param name="Display">Its display text, if recorded.</param>
public sealed record CodingRecord(string System, string Code, string? Display);

/// <summary>An adverse outcome considered at screening and how likely it was judged.</summary>
/// <param name="Outcome">The outcome.</param>
/// <param name="Risk">Its qualitative likelihood.</param>
public sealed record RiskPrediction(AdverseOutcome Outcome, RiskProbability Risk);
