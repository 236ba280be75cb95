using System.Text.Json.Serialization;

namespace StmFhir.Core.Sessions;

// The JSON names below are the session format's vocabulary (docs/SESSION-RECORD.md, samples/stm-session.schema.json).
// Terminology/StmCodes maps each member to its FHIR coding.

/// <summary>Session status.</summary>
public enum SessionStatus
{
    /// <summary>Done as planned.</summary>
    [JsonStringEnumMemberName("completed")] Completed,
    /// <summary>Started, then stopped early.</summary>
    [JsonStringEnumMemberName("stopped")] Stopped,
    /// <summary>Not done (e.g. contraindicated at screening).</summary>
    [JsonStringEnumMemberName("not-done")] NotDone,
}

/// <summary>Administrative sex (FHIR administrative-gender).</summary>
public enum AdministrativeSex
{
    /// <summary>Male.</summary>
    [JsonStringEnumMemberName("male")] Male,
    /// <summary>Female.</summary>
    [JsonStringEnumMemberName("female")] Female,
    /// <summary>Other.</summary>
    [JsonStringEnumMemberName("other")] Other,
    /// <summary>Unknown.</summary>
    [JsonStringEnumMemberName("unknown")] Unknown,
}

/// <summary>STM technique.</summary>
public enum Technique
{
    /// <summary>By the therapist's hands.</summary>
    [JsonStringEnumMemberName("manual")] Manual,
    /// <summary>Instrument-assisted (IASTM).</summary>
    [JsonStringEnumMemberName("instrument-assisted")] InstrumentAssisted,
}

/// <summary>Named IASTM tool systems.</summary>
public enum ToolSystem
{
    /// <summary>The Graston Technique tool system.</summary>
    [JsonStringEnumMemberName("graston")] Graston,
    /// <summary>Any other tool or tool system.</summary>
    [JsonStringEnumMemberName("other")] Other,
}

/// <summary>Stroke pressure.</summary>
public enum Pressure
{
    /// <summary>Light.</summary>
    [JsonStringEnumMemberName("light")] Light,
    /// <summary>Moderate.</summary>
    [JsonStringEnumMemberName("moderate")] Moderate,
    /// <summary>Deep.</summary>
    [JsonStringEnumMemberName("deep")] Deep,
}

/// <summary>Stroke rhythm.</summary>
public enum StrokeRhythm
{
    /// <summary>Sustained (held) pressure over a restricted area.</summary>
    [JsonStringEnumMemberName("sustained")] Sustained,
    /// <summary>Rhythmic (oscillating) strokes.</summary>
    [JsonStringEnumMemberName("rhythmic")] Rhythmic,
}

/// <summary>IASTM stroke types.</summary>
public enum StrokeType
{
    /// <summary>Sweep.</summary>
    [JsonStringEnumMemberName("sweep")] Sweep,
    /// <summary>J-stroke.</summary>
    [JsonStringEnumMemberName("j-stroke")] JStroke,
    /// <summary>Strum.</summary>
    [JsonStringEnumMemberName("strum")] Strum,
    /// <summary>Scoop.</summary>
    [JsonStringEnumMemberName("scoop")] Scoop,
    /// <summary>Brushing (framing).</summary>
    [JsonStringEnumMemberName("brushing")] Brushing,
    /// <summary>Fanning.</summary>
    [JsonStringEnumMemberName("fanning")] Fanning,
}

/// <summary>Body regions STM is applied to (each with a verified SNOMED CT code).</summary>
public enum BodyRegion
{
    /// <summary>Shoulder region.</summary>
    [JsonStringEnumMemberName("shoulder")] Shoulder,
    /// <summary>Elbow region.</summary>
    [JsonStringEnumMemberName("elbow")] Elbow,
    /// <summary>Wrist region.</summary>
    [JsonStringEnumMemberName("wrist")] Wrist,
    /// <summary>Knee region.</summary>
    [JsonStringEnumMemberName("knee")] Knee,
    /// <summary>Ankle region.</summary>
    [JsonStringEnumMemberName("ankle")] Ankle,
    /// <summary>Foot.</summary>
    [JsonStringEnumMemberName("foot")] Foot,
    /// <summary>Lower back.</summary>
    [JsonStringEnumMemberName("lower-back")] LowerBack,
    /// <summary>Iliotibial tract.</summary>
    [JsonStringEnumMemberName("iliotibial-tract")] IliotibialTract,
    /// <summary>Thigh.</summary>
    [JsonStringEnumMemberName("thigh")] Thigh,
    /// <summary>Lower leg.</summary>
    [JsonStringEnumMemberName("lower-leg")] LowerLeg,
}

/// <summary>Laterality of a treated region or pain site.</summary>
public enum Laterality
{
    /// <summary>Left.</summary>
    [JsonStringEnumMemberName("left")] Left,
    /// <summary>Right.</summary>
    [JsonStringEnumMemberName("right")] Right,
    /// <summary>Both sides.</summary>
    [JsonStringEnumMemberName("bilateral")] Bilateral,
}

/// <summary>The side of a range-of-motion measurement.</summary>
public enum Side
{
    /// <summary>Left.</summary>
    [JsonStringEnumMemberName("left")] Left,
    /// <summary>Right.</summary>
    [JsonStringEnumMemberName("right")] Right,
}

/// <summary>When a measurement was taken relative to the session.</summary>
public enum MeasurementTiming
{
    /// <summary>Before treatment.</summary>
    [JsonStringEnumMemberName("pre")] Pre,
    /// <summary>Right after treatment.</summary>
    [JsonStringEnumMemberName("post")] Post,
    /// <summary>At a later follow-up.</summary>
    [JsonStringEnumMemberName("follow-up")] FollowUp,
}

/// <summary>Joints whose range of motion is measured.</summary>
public enum Joint
{
    /// <summary>Shoulder.</summary>
    [JsonStringEnumMemberName("shoulder")] Shoulder,
    /// <summary>Elbow.</summary>
    [JsonStringEnumMemberName("elbow")] Elbow,
    /// <summary>Wrist.</summary>
    [JsonStringEnumMemberName("wrist")] Wrist,
    /// <summary>Knee.</summary>
    [JsonStringEnumMemberName("knee")] Knee,
    /// <summary>Ankle.</summary>
    [JsonStringEnumMemberName("ankle")] Ankle,
}

/// <summary>Joint movements.</summary>
public enum Movement
{
    /// <summary>Flexion.</summary>
    [JsonStringEnumMemberName("flexion")] Flexion,
    /// <summary>Extension.</summary>
    [JsonStringEnumMemberName("extension")] Extension,
    /// <summary>Abduction.</summary>
    [JsonStringEnumMemberName("abduction")] Abduction,
    /// <summary>Adduction.</summary>
    [JsonStringEnumMemberName("adduction")] Adduction,
    /// <summary>Internal rotation.</summary>
    [JsonStringEnumMemberName("internal-rotation")] InternalRotation,
    /// <summary>External rotation.</summary>
    [JsonStringEnumMemberName("external-rotation")] ExternalRotation,
    /// <summary>Supination (forearm).</summary>
    [JsonStringEnumMemberName("supination")] Supination,
    /// <summary>Pronation (forearm).</summary>
    [JsonStringEnumMemberName("pronation")] Pronation,
    /// <summary>Dorsiflexion (ankle).</summary>
    [JsonStringEnumMemberName("dorsiflexion")] Dorsiflexion,
    /// <summary>Plantarflexion (ankle).</summary>
    [JsonStringEnumMemberName("plantarflexion")] Plantarflexion,
    /// <summary>Inversion (ankle).</summary>
    [JsonStringEnumMemberName("inversion")] Inversion,
    /// <summary>Eversion (ankle).</summary>
    [JsonStringEnumMemberName("eversion")] Eversion,
    /// <summary>Radial deviation (wrist).</summary>
    [JsonStringEnumMemberName("radial-deviation")] RadialDeviation,
    /// <summary>Ulnar deviation (wrist).</summary>
    [JsonStringEnumMemberName("ulnar-deviation")] UlnarDeviation,
}

/// <summary>Active or passive range of motion.</summary>
public enum RomMode
{
    /// <summary>The patient moves the joint.</summary>
    [JsonStringEnumMemberName("active")] Active,
    /// <summary>The clinician moves the joint.</summary>
    [JsonStringEnumMemberName("passive")] Passive,
}

/// <summary>How a range-of-motion angle was measured.</summary>
public enum RomMethod
{
    /// <summary>Universal goniometer.</summary>
    [JsonStringEnumMemberName("goniometer")] Goniometer,
    /// <summary>Inclinometer.</summary>
    [JsonStringEnumMemberName("inclinometer")] Inclinometer,
    /// <summary>Visual estimate.</summary>
    [JsonStringEnumMemberName("visual-estimate")] VisualEstimate,
}

/// <summary>The conclusion of the pre-treatment screening.</summary>
public enum ScreeningResult
{
    /// <summary>No precaution or contraindication found.</summary>
    [JsonStringEnumMemberName("cleared")] Cleared,
    /// <summary>Precautions found; treatment may proceed with mitigations.</summary>
    [JsonStringEnumMemberName("precautions")] Precautions,
    /// <summary>A contraindication found; treatment must not proceed.</summary>
    [JsonStringEnumMemberName("contraindicated")] Contraindicated,
}

/// <summary>Whether a screening finding is a precaution or a contraindication.</summary>
public enum FindingKind
{
    /// <summary>Treat with care.</summary>
    [JsonStringEnumMemberName("precaution")] Precaution,
    /// <summary>Do not treat.</summary>
    [JsonStringEnumMemberName("contraindication")] Contraindication,
}

/// <summary>Adverse outcomes weighed at screening.</summary>
public enum AdverseOutcome
{
    /// <summary>Petechiae.</summary>
    [JsonStringEnumMemberName("petechiae")] Petechiae,
    /// <summary>Bruising.</summary>
    [JsonStringEnumMemberName("bruising")] Bruising,
    /// <summary>Bleeding.</summary>
    [JsonStringEnumMemberName("bleeding")] Bleeding,
    /// <summary>Fracture.</summary>
    [JsonStringEnumMemberName("fracture")] Fracture,
}

/// <summary>FHIR risk-probability.</summary>
public enum RiskProbability
{
    /// <summary>Negligible likelihood.</summary>
    [JsonStringEnumMemberName("negligible")] Negligible,
    /// <summary>Low likelihood.</summary>
    [JsonStringEnumMemberName("low")] Low,
    /// <summary>Moderate likelihood.</summary>
    [JsonStringEnumMemberName("moderate")] Moderate,
    /// <summary>High likelihood.</summary>
    [JsonStringEnumMemberName("high")] High,
    /// <summary>Certain.</summary>
    [JsonStringEnumMemberName("certain")] Certain,
}

/// <summary>Complications seen during or after a session.</summary>
public enum ComplicationKind
{
    /// <summary>Petechiae (red or purple spots from ruptured superficial capillaries).</summary>
    [JsonStringEnumMemberName("petechiae")] Petechiae,
    /// <summary>Bruising.</summary>
    [JsonStringEnumMemberName("bruising")] Bruising,
    /// <summary>Pain during treatment (the treatment should not be painful).</summary>
    [JsonStringEnumMemberName("pain-during-treatment")] PainDuringTreatment,
}
