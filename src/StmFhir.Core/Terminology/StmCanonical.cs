namespace StmFhir.Core.Terminology;

/// <summary>
/// Canonical URLs of the StmFhir artefacts in profiles/: profiles, extensions, CodeSystems and ValueSets all sit
/// under one base, <see cref="Base"/>.
/// </summary>
public static class StmCanonical
{
    /// <summary>The base of every StmFhir canonical URL.</summary>
    public const string Base = "http://stmfhir.org/fhir";

    private const string Sd = Base + "/StructureDefinition/";
    private const string Cs = Base + "/CodeSystem/";

    /// <summary>Profiles (StructureDefinitions constraining a resource).</summary>
    public static class Profiles
    {
        /// <summary>An STM session (Procedure).</summary>
        public const string Procedure = Sd + "stm-procedure";
        /// <summary>A 0-10 pain score (Observation).</summary>
        public const string PainScore = Sd + "stm-pain-score";
        /// <summary>A range-of-motion measurement (Observation).</summary>
        public const string RangeOfMotion = Sd + "stm-range-of-motion";
        /// <summary>The pre-treatment screening (RiskAssessment).</summary>
        public const string Screening = Sd + "stm-screening";
        /// <summary>A precaution or contraindication found at screening (Condition).</summary>
        public const string ScreeningFinding = Sd + "stm-screening-finding";
        /// <summary>A medication of note found at screening (MedicationStatement).</summary>
        public const string MedicationOfNote = Sd + "stm-medication-of-note";
        /// <summary>The treated patient (Patient).</summary>
        public const string Patient = Sd + "stm-patient";
        /// <summary>The treating clinician (Practitioner).</summary>
        public const string Practitioner = Sd + "stm-practitioner";
        /// <summary>A clinical rule's warning about the patient, stored with the session (DetectedIssue).</summary>
        public const string DetectedIssue = Sd + "stm-detected-issue";
    }

    /// <summary>Extensions.</summary>
    public static class Extensions
    {
        /// <summary>Stroke pressure (Procedure; valueCodeableConcept from <see cref="CodeSystems.Pressure"/>).</summary>
        public const string Pressure = Sd + "stm-pressure";
        /// <summary>Stroke pattern (Procedure; complex: <c>rhythm</c> 1..1 and <c>stroke</c> 0..*, valueCodeableConcept).</summary>
        public const string StrokePattern = Sd + "stm-stroke-pattern";
        /// <summary>Laterality of a body site (on a bodySite CodeableConcept; valueCodeableConcept, SNOMED).</summary>
        public const string Laterality = Sd + "stm-laterality";
        /// <summary>Minutes spent on a treated region (on Procedure.bodySite; valueDuration in UCUM min).</summary>
        public const string RegionMinutes = Sd + "stm-region-minutes";
        /// <summary>Measurement timing pre/post/follow-up (Observation; valueCodeableConcept).</summary>
        public const string MeasurementTiming = Sd + "stm-measurement-timing";
        /// <summary>Active or passive range of motion (Observation; valueCodeableConcept).</summary>
        public const string RomMode = Sd + "stm-rom-mode";
        /// <summary>The screening's conclusion (RiskAssessment; valueCodeableConcept).</summary>
        public const string ScreeningResult = Sd + "stm-screening-result";
        /// <summary>Precaution or contraindication (Condition; valueCodeableConcept).</summary>
        public const string FindingKind = Sd + "stm-finding-kind";
        /// <summary>Core R4 extension carrying the technique on Procedure.</summary>
        public const string ProcedureMethod = "http://hl7.org/fhir/StructureDefinition/procedure-method";
    }

    /// <summary>Local CodeSystems, for concepts with no verified standard code (docs/TERMINOLOGY.md).</summary>
    public static class CodeSystems
    {
        /// <summary>The STM procedure itself (Procedure.code).</summary>
        public const string Procedure = Cs + "stm-procedure";
        /// <summary>manual | instrument-assisted.</summary>
        public const string Technique = Cs + "stm-technique";
        /// <summary>light | moderate | deep.</summary>
        public const string Pressure = Cs + "stm-pressure";
        /// <summary>sustained | rhythmic.</summary>
        public const string StrokeRhythm = Cs + "stm-stroke-rhythm";
        /// <summary>sweep | j-stroke | strum | scoop | brushing | fanning.</summary>
        public const string StrokeType = Cs + "stm-stroke-type";
        /// <summary>graston-instrument | iastm-instrument | lubricant (Procedure.usedCode).</summary>
        public const string UsedItem = Cs + "stm-used-item";
        /// <summary>pre | post | follow-up.</summary>
        public const string MeasurementTiming = Cs + "stm-measurement-timing";
        /// <summary>active | passive.</summary>
        public const string RomMode = Cs + "stm-rom-mode";
        /// <summary>goniometer | inclinometer | visual-estimate.</summary>
        public const string RomMethod = Cs + "stm-rom-method";
        /// <summary>Joint movements with no verified SNOMED code (dorsiflexion, ...).</summary>
        public const string Movement = Cs + "stm-movement";
        /// <summary>Component codes of the range-of-motion Observation (movement).</summary>
        public const string RomComponent = Cs + "stm-rom-component";
        /// <summary>The clinical rules whose warnings are stored as DetectedIssue (codes are the rules' issue codes).</summary>
        public const string ClinicalFinding = Cs + "stm-clinical-finding";
        /// <summary>The screening itself (RiskAssessment.code).</summary>
        public const string Screening = Cs + "stm-screening";
        /// <summary>cleared | precautions | contraindicated.</summary>
        public const string ScreeningResult = Cs + "stm-screening-result";
        /// <summary>precaution | contraindication.</summary>
        public const string FindingKind = Cs + "stm-finding-kind";
        /// <summary>petechiae | bruising | pain-during-treatment.</summary>
        public const string Complication = Cs + "stm-complication";
        /// <summary>petechiae | bruising | bleeding | fracture.</summary>
        public const string AdverseOutcome = Cs + "stm-adverse-outcome";
    }

    /// <summary>Standard code systems.</summary>
    public static class Standard
    {
        /// <summary>SNOMED CT.</summary>
        public const string Snomed = "http://snomed.info/sct";
        /// <summary>LOINC.</summary>
        public const string Loinc = "http://loinc.org";
        /// <summary>ICD-10-CM.</summary>
        public const string Icd10Cm = "http://hl7.org/fhir/sid/icd-10-cm";
        /// <summary>CPT.</summary>
        public const string Cpt = "http://www.ama-assn.org/go/cpt";
        /// <summary>UCUM.</summary>
        public const string Ucum = "http://unitsofmeasure.org";
        /// <summary>FHIR observation-category.</summary>
        public const string ObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";
        /// <summary>FHIR risk-probability.</summary>
        public const string RiskProbability = "http://terminology.hl7.org/CodeSystem/risk-probability";
        /// <summary>FHIR condition-clinical.</summary>
        public const string ConditionClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical";
        /// <summary>FHIR condition-ver-status.</summary>
        public const string ConditionVerification = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
        /// <summary>HL7 v2 table 0203 (identifier types).</summary>
        public const string IdentifierType = "http://terminology.hl7.org/CodeSystem/v2-0203";
    }
}
