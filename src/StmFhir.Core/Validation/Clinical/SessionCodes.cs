using Hl7.Fhir.Model;
using StmFhir.Core.Terminology;
using static StmFhir.Core.Terminology.StmCanonical;

namespace StmFhir.Core.Validation.Clinical;

/// <summary>How the clinical rules recognise the resources of an STM session: by code, or by profile.</summary>
internal static class SessionCodes
{
    public static bool IsStmProcedure(Procedure procedure) =>
        Has(procedure.Code, StmCodes.StmProcedure) || Claims(procedure, Profiles.Procedure);

    public static bool IsScreening(RiskAssessment assessment) =>
        Has(assessment.Code, StmCodes.PreTreatmentScreening) || Claims(assessment, Profiles.Screening);

    public static bool IsPainScore(Observation observation) =>
        Has(observation.Code, StmCodes.PainSeverity) || Claims(observation, Profiles.PainScore);

    public static bool IsRangeOfMotion(Observation observation) =>
        Has(observation.Code, StmCodes.RangeOfJointMovement)
        || observation.Code?.Coding.Any(c => c.System == Standard.Loinc && StmCodes.AllRomLoinc.Contains(c.Code)) == true
        || Claims(observation, Profiles.RangeOfMotion);

    public static bool IsPetechiae(Coding coding) =>
        (coding.System == CodeSystems.Complication && coding.Code == StmCodes.Complication.CodeOf(Sessions.ComplicationKind.Petechiae))
        || (coding.System == StmCodes.SnomedPetechiae.System && coding.Code == StmCodes.SnomedPetechiae.Code);

    private static bool Has(CodeableConcept? concept, Coding wanted) =>
        concept?.Coding.Any(c => c.System == wanted.System && c.Code == wanted.Code) == true;

    private static bool Claims(Resource resource, string profile) =>
        resource.Meta?.Profile.Any(p => p is not null && (p == profile || p.StartsWith(profile + "|", StringComparison.Ordinal))) == true;
}
