using Hl7.Fhir.Model;
using StmFhir.Core.Sessions;
using StmFhir.Core.Validation;
using static StmFhir.Core.Terminology.StmCanonical;

namespace StmFhir.Core.Terminology;

/// <summary>
/// Every code the mapper writes, with its source and confidence from docs/TERMINOLOGY.md. H codes are used as they are;
/// M codes carry a comment; where no standard code is verified, the concept lives in a local CodeSystem.
/// </summary>
internal static class StmCodes
{
    // --- Local CodeSystems (profiles/CodeSystem-*.json define the same codes and displays; a test checks they agree).

    public static readonly LocalCode<Technique> Technique = new(CodeSystems.Technique, new Dictionary<Technique, string>
    {
        [Sessions.Technique.Manual] = "Manual soft tissue mobilization",
        [Sessions.Technique.InstrumentAssisted] = "Instrument-assisted soft tissue mobilization (IASTM)",
    });

    public static readonly LocalCode<Pressure> Pressure = new(CodeSystems.Pressure, new Dictionary<Pressure, string>
    {
        [Sessions.Pressure.Light] = "Light pressure",
        [Sessions.Pressure.Moderate] = "Moderate pressure",
        [Sessions.Pressure.Deep] = "Deep pressure",
    });

    public static readonly LocalCode<StrokeRhythm> StrokeRhythm = new(CodeSystems.StrokeRhythm, new Dictionary<StrokeRhythm, string>
    {
        [Sessions.StrokeRhythm.Sustained] = "Sustained (held) pressure",
        [Sessions.StrokeRhythm.Rhythmic] = "Rhythmic (oscillating) strokes",
    });

    public static readonly LocalCode<StrokeType> StrokeType = new(CodeSystems.StrokeType, new Dictionary<StrokeType, string>
    {
        [Sessions.StrokeType.Sweep] = "Sweep",
        [Sessions.StrokeType.JStroke] = "J-stroke",
        [Sessions.StrokeType.Strum] = "Strum",
        [Sessions.StrokeType.Scoop] = "Scoop",
        [Sessions.StrokeType.Brushing] = "Brushing (framing)",
        [Sessions.StrokeType.Fanning] = "Fanning",
    });

    public static readonly LocalCode<MeasurementTiming> Timing = new(CodeSystems.MeasurementTiming, new Dictionary<MeasurementTiming, string>
    {
        [MeasurementTiming.Pre] = "Before treatment",
        [MeasurementTiming.Post] = "After treatment",
        [MeasurementTiming.FollowUp] = "At follow-up",
    });

    public static readonly LocalCode<RomMode> RomMode = new(CodeSystems.RomMode, new Dictionary<RomMode, string>
    {
        [Sessions.RomMode.Active] = "Active range of motion",
        [Sessions.RomMode.Passive] = "Passive range of motion",
    });

    public static readonly LocalCode<RomMethod> RomMethod = new(CodeSystems.RomMethod, new Dictionary<RomMethod, string>
    {
        [Sessions.RomMethod.Goniometer] = "Universal goniometer",
        [Sessions.RomMethod.Inclinometer] = "Inclinometer",
        [Sessions.RomMethod.VisualEstimate] = "Visual estimate",
    });

    public static readonly LocalCode<ScreeningResult> ScreeningResult = new(CodeSystems.ScreeningResult, new Dictionary<ScreeningResult, string>
    {
        [Sessions.ScreeningResult.Cleared] = "Cleared for treatment",
        [Sessions.ScreeningResult.Precautions] = "Proceed with precautions",
        [Sessions.ScreeningResult.Contraindicated] = "Contraindicated",
    });

    public static readonly LocalCode<FindingKind> FindingKind = new(CodeSystems.FindingKind, new Dictionary<FindingKind, string>
    {
        [Sessions.FindingKind.Precaution] = "Precaution",
        [Sessions.FindingKind.Contraindication] = "Contraindication",
    });

    public static readonly LocalCode<ComplicationKind> Complication = new(CodeSystems.Complication, new Dictionary<ComplicationKind, string>
    {
        [ComplicationKind.Petechiae] = "Petechiae",
        [ComplicationKind.Bruising] = "Bruising",
        [ComplicationKind.PainDuringTreatment] = "Pain during treatment",
    });

    public static readonly LocalCode<AdverseOutcome> AdverseOutcome = new(CodeSystems.AdverseOutcome, new Dictionary<AdverseOutcome, string>
    {
        [Sessions.AdverseOutcome.Petechiae] = "Petechiae",
        [Sessions.AdverseOutcome.Bruising] = "Bruising",
        [Sessions.AdverseOutcome.Bleeding] = "Bleeding",
        [Sessions.AdverseOutcome.Fracture] = "Fracture",
    });

    /// <summary>The STM procedure concept (no SNOMED code for soft tissue mobilization is verified: docs/TERMINOLOGY.md, U).</summary>
    public static readonly Coding StmProcedure = new(CodeSystems.Procedure, "soft-tissue-mobilization", "Soft tissue mobilization");

    /// <summary>The pre-treatment screening concept.</summary>
    public static readonly Coding PreTreatmentScreening = new(CodeSystems.Screening, "pre-treatment-screening", "Pre-treatment screening for STM precautions and contraindications");

    /// <summary>The range-of-motion component carrying the movement.</summary>
    public static readonly Coding MovementComponent = new(CodeSystems.RomComponent, "movement", "Joint movement measured");

    public static readonly Coding GrastonInstrument = new(CodeSystems.UsedItem, "graston-instrument", "Graston Technique instrument");
    public static readonly Coding IastmInstrument = new(CodeSystems.UsedItem, "iastm-instrument", "IASTM instrument");
    public static readonly Coding Lubricant = new(CodeSystems.UsedItem, "lubricant", "Lubricant or emollient");

    // --- Standard codes.

    /// <summary>CPT 97140 manual therapy techniques (H). No display: CPT descriptors are licensed text.</summary>
    public static readonly Coding Cpt97140 = new(Standard.Cpt, "97140");

    /// <summary>SNOMED 91251008 Physical therapy procedure (H), used as Procedure.category.</summary>
    public static readonly Coding PhysicalTherapyProcedure = new(Standard.Snomed, "91251008", "Physical therapy procedure");

    /// <summary>LOINC 72514-3 (H).</summary>
    public static readonly Coding PainSeverity = new(Standard.Loinc, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported");

    /// <summary>SNOMED 364564000 Range of joint movement (M: consistent in implementer sources, not an authoritative display).</summary>
    public static readonly Coding RangeOfJointMovement = new(Standard.Snomed, "364564000", "Range of joint movement");

    public static readonly Coding CategorySurvey = new(Standard.ObservationCategory, "survey", "Survey");
    public static readonly Coding CategoryExam = new(Standard.ObservationCategory, "exam", "Exam");

    /// <summary>SNOMED 271813007 Petechiae (M); carried beside the local code, which the reverse mapping reads.</summary>
    public static readonly Coding SnomedPetechiae = new(Standard.Snomed, "271813007", "Petechiae");

    /// <summary>SNOMED 125605004 Fracture of bone (H).</summary>
    public static readonly Coding SnomedFracture = new(Standard.Snomed, "125605004", "Fracture of bone");

    /// <summary>
    /// DetectedIssue.code of a stored clinical finding, by the rule's issue code: the local CodeSystem's code is the
    /// rule's code itself (no standard code names these findings).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, Coding> ClinicalFindings = new Dictionary<string, Coding>(StringComparer.Ordinal)
    {
        [IssueCodes.ScreeningAfterStart] = new(CodeSystems.ClinicalFinding, IssueCodes.ScreeningAfterStart, "Screening after the session started"),
        [IssueCodes.RomOutsideNormal] = new(CodeSystems.ClinicalFinding, IssueCodes.RomOutsideNormal, "Range of motion outside the normal range"),
        [IssueCodes.RomNoReference] = new(CodeSystems.ClinicalFinding, IssueCodes.RomNoReference, "Range of motion without a reference range"),
        [IssueCodes.PainIncrease] = new(CodeSystems.ClinicalFinding, IssueCodes.PainIncrease, "Pain increase after the session"),
        [IssueCodes.Petechiae] = new(CodeSystems.ClinicalFinding, IssueCodes.Petechiae, "Petechiae after the session"),
        [IssueCodes.BleedingRiskTechnique] = new(CodeSystems.ClinicalFinding, IssueCodes.BleedingRiskTechnique, "Deep pressure or instrument under a bleeding risk"),
        [IssueCodes.MeasuredSiteNotTreated] = new(CodeSystems.ClinicalFinding, IssueCodes.MeasuredSiteNotTreated, "Measurement away from the treated site"),
    };

    public static readonly IReadOnlyDictionary<BodyRegion, Coding> BodyRegions = new Dictionary<BodyRegion, Coding>
    {
        [BodyRegion.Shoulder] = new(Standard.Snomed, "16982005", "Shoulder region structure"),
        [BodyRegion.Elbow] = new(Standard.Snomed, "127949000", "Elbow region structure"),
        [BodyRegion.Wrist] = new(Standard.Snomed, "8205005", "Wrist region structure"),
        [BodyRegion.Knee] = new(Standard.Snomed, "72696002", "Knee region structure"),
        [BodyRegion.Ankle] = new(Standard.Snomed, "344001", "Ankle region structure"),
        [BodyRegion.Foot] = new(Standard.Snomed, "56459004", "Foot structure"),
        [BodyRegion.LowerBack] = new(Standard.Snomed, "37822005", "Lower back structure"),
        [BodyRegion.IliotibialTract] = new(Standard.Snomed, "7480001", "Iliotibial tract structure"),
        [BodyRegion.Thigh] = new(Standard.Snomed, "68367000", "Thigh structure"),
        [BodyRegion.LowerLeg] = new(Standard.Snomed, "30021000", "Lower leg structure"),
    };

    /// <summary>Joints for range of motion; the ankle uses the ankle joint (70258002), the others their region (H).</summary>
    public static readonly IReadOnlyDictionary<Joint, Coding> Joints = new Dictionary<Joint, Coding>
    {
        [Joint.Shoulder] = BodyRegions[BodyRegion.Shoulder],
        [Joint.Elbow] = BodyRegions[BodyRegion.Elbow],
        [Joint.Wrist] = BodyRegions[BodyRegion.Wrist],
        [Joint.Knee] = BodyRegions[BodyRegion.Knee],
        [Joint.Ankle] = new(Standard.Snomed, "70258002", "Ankle joint structure"),
    };

    public static readonly IReadOnlyDictionary<Laterality, Coding> Lateralities = new Dictionary<Laterality, Coding>
    {
        [Laterality.Left] = new(Standard.Snomed, "7771000", "Left"),
        [Laterality.Right] = new(Standard.Snomed, "24028007", "Right"),
        [Laterality.Bilateral] = new(Standard.Snomed, "51440002", "Right and left"),
    };

    /// <summary>Movements: SNOMED where verified (H, DICOM CID 92), otherwise the local stm-movement CodeSystem.</summary>
    public static readonly IReadOnlyDictionary<Movement, Coding> Movements = new Dictionary<Movement, Coding>
    {
        [Movement.Flexion] = new(Standard.Snomed, "9964006", "Flexion"),
        [Movement.Extension] = new(Standard.Snomed, "24154002", "Extension"),
        [Movement.Abduction] = new(Standard.Snomed, "60074003", "Abduction"),
        [Movement.Adduction] = new(Standard.Snomed, "11554009", "Adduction"),
        [Movement.InternalRotation] = new(Standard.Snomed, "12852001", "Internal rotation"),
        [Movement.ExternalRotation] = new(Standard.Snomed, "52019005", "External rotation"),
        [Movement.Supination] = new(Standard.Snomed, "14502000", "Supination"),
        [Movement.Pronation] = new(Standard.Snomed, "88241000", "Pronation"),
        [Movement.Dorsiflexion] = new(CodeSystems.Movement, "dorsiflexion", "Dorsiflexion"),
        [Movement.Plantarflexion] = new(CodeSystems.Movement, "plantarflexion", "Plantarflexion"),
        [Movement.Inversion] = new(CodeSystems.Movement, "inversion", "Inversion"),
        [Movement.Eversion] = new(CodeSystems.Movement, "eversion", "Eversion"),
        [Movement.RadialDeviation] = new(CodeSystems.Movement, "radial-deviation", "Radial deviation"),
        [Movement.UlnarDeviation] = new(CodeSystems.Movement, "ulnar-deviation", "Ulnar deviation"),
    };

    /// <summary>
    /// LOINC range-of-motion codes (all M in docs/TERMINOLOGY.md: consistent in implementer sources, not verified against
    /// LOINC itself, so no display is written). Side-specific codes win over side-neutral ones.
    /// </summary>
    public static string? RomLoinc(Joint joint, Movement movement, RomMode mode, Side side) => (joint, movement, mode, side) switch
    {
        (Joint.Shoulder, Movement.Flexion, Sessions.RomMode.Active, Side.Left) => "41295-7",
        (Joint.Shoulder, Movement.Flexion, Sessions.RomMode.Active, Side.Right) => "41307-0",
        (Joint.Shoulder, Movement.Flexion, Sessions.RomMode.Passive, _) => "41390-6",
        (Joint.Shoulder, Movement.Abduction, Sessions.RomMode.Active, _) => "41381-5",
        (Joint.Shoulder, Movement.Abduction, Sessions.RomMode.Passive, _) => "41382-3",
        (Joint.Shoulder, Movement.ExternalRotation, Sessions.RomMode.Active, _) => "41387-2",
        (Joint.Shoulder, Movement.InternalRotation, Sessions.RomMode.Active, _) => "41391-4",
        (Joint.Knee, Movement.Flexion, Sessions.RomMode.Active, Side.Left) => "41343-5",
        (Joint.Knee, Movement.Extension, Sessions.RomMode.Active, Side.Left) => "41345-0",
        (Joint.Knee, Movement.Flexion, Sessions.RomMode.Active, Side.Right) => "41347-6",
        (Joint.Knee, Movement.Extension, Sessions.RomMode.Active, Side.Right) => "41349-2",
        _ => null,
    };

    /// <summary>Every LOINC code <see cref="RomLoinc"/> can return (the ValueSet in profiles/ lists the same).</summary>
    public static readonly IReadOnlyList<string> AllRomLoinc =
    [
        "41295-7", "41307-0", "41389-8", "41390-6", "41381-5", "41382-3", "41387-2", "41391-4",
        "41343-5", "41345-0", "41347-6", "41349-2",
    ];

    /// <summary>The key of <paramref name="table"/> whose coding appears in <paramref name="concept"/>.</summary>
    public static TKey? Find<TKey>(IReadOnlyDictionary<TKey, Coding> table, CodeableConcept? concept) where TKey : struct
    {
        foreach (var coding in concept?.Coding ?? [])
        {
            foreach (var (key, known) in table)
            {
                if (known.System == coding.System && known.Code == coding.Code)
                {
                    return key;
                }
            }
        }
        return null;
    }
}
