using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Core.Terminology;
using static StmFhir.Core.Terminology.StmCanonical;

namespace StmFhir.Core.Validation.Clinical;

/// <summary>
/// The consistency rules a clinician expects of one session (STM-CLIN-009 to -012): the parts of a record that must
/// agree with each other. Each rule's reason is in VALIDATION.md, "Clinical rules".
/// </summary>
internal static class ConsistencyRules
{
    /// <summary>Every consistency rule over the entries of one Bundle.</summary>
    public static void Check(List<(Resource Resource, string Path)> entries, ResourceSet resources, List<ValidationIssue> issues)
    {
        ScreeningResultAgreesWithFindings(entries, resources, issues);
        MeasurementTimes(entries, resources, issues);
        BleedingRisk(entries, resources, issues);
        MeasuredSiteTreated(entries, resources, issues);
    }

    /// <summary>STM-CLIN-009: "cleared" with a contraindication among the findings, or "contraindicated" with none.</summary>
    private static void ScreeningResultAgreesWithFindings(List<(Resource Resource, string Path)> entries, ResourceSet resources, List<ValidationIssue> issues)
    {
        foreach (var (resource, path) in entries)
        {
            if (resource is not RiskAssessment assessment || !SessionCodes.IsScreening(assessment))
            {
                continue;
            }
            var resultIndex = assessment.Extension.FindIndex(e => e.Url == Extensions.ScreeningResult);
            var result = StmCodes.ScreeningResult.From(ClinicalRules.ExtensionConcept(assessment, Extensions.ScreeningResult));
            var contraindications = assessment.Basis.Select(b => resources.Resolve<Condition>(b))
                .Count(c => c is not null && StmCodes.FindingKind.From(ClinicalRules.ExtensionConcept(c, Extensions.FindingKind)) == FindingKind.Contraindication);
            var message = (result, contraindications) switch
            {
                (ScreeningResult.Cleared, > 0) => $"The screening says cleared but found {contraindications} contraindication(s); a contraindication means STM must not be performed (contraindicated), or the finding is a precaution.",
                (ScreeningResult.Contraindicated, 0) => "The screening says contraindicated but none of its findings is a contraindication; record the contraindication found, or the result the findings support.",
                _ => null,
            };
            if (message is not null)
            {
                issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.ScreeningResultContradictsFindings,
                    $"{path}.extension[{resultIndex}]", message, OperationOutcome.IssueType.BusinessRule));
            }
        }
    }

    /// <summary>STM-CLIN-010: a post or follow-up measurement taken before its session started, or a follow-up taken during it.</summary>
    private static void MeasurementTimes(List<(Resource Resource, string Path)> entries, ResourceSet resources, List<ValidationIssue> issues)
    {
        foreach (var (resource, path) in entries)
        {
            if (resource is not Observation observation || !(SessionCodes.IsPainScore(observation) || SessionCodes.IsRangeOfMotion(observation))
                || StmCodes.Timing.From(ClinicalRules.ExtensionConcept(observation, Extensions.MeasurementTiming)) is not ({ } timing and not Sessions.MeasurementTiming.Pre)
                || ClinicalRules.Instant((observation.Effective as FhirDateTime)?.Value) is not { } takenAt
                || observation.PartOf.Select(r => resources.Resolve<Procedure>(r)).FirstOrDefault(p => p is not null) is not { } session
                || ClinicalRules.Instant((session.Performed as Period)?.Start) is not { } start)
            {
                continue;
            }
            var end = ClinicalRules.Instant((session.Performed as Period)?.End);
            var name = JsonNames<Sessions.MeasurementTiming>.Of(timing);
            var message = takenAt < start
                ? $"The measurement's timing is {name} but it was taken ({takenAt:yyyy-MM-dd'T'HH:mm:sszzz}) before its session started ({start:yyyy-MM-dd'T'HH:mm:sszzz})."
                : timing == Sessions.MeasurementTiming.FollowUp && end is { } ended && takenAt <= ended
                    ? $"The measurement's timing is follow-up but it was taken ({takenAt:yyyy-MM-dd'T'HH:mm:sszzz}) during its session ({start:yyyy-MM-dd'T'HH:mm:sszzz} to {ended:yyyy-MM-dd'T'HH:mm:sszzz})."
                    : null;
            if (message is not null)
            {
                issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.MeasurementTimingContradictsSession,
                    path + ".effectiveDateTime", message, OperationOutcome.IssueType.BusinessRule));
            }
        }
    }

    /// <summary>STM-CLIN-011: deep pressure or an instrument on a patient whose screening found a bleeding risk (anticoagulant therapy).</summary>
    private static void BleedingRisk(List<(Resource Resource, string Path)> entries, ResourceSet resources, List<ValidationIssue> issues)
    {
        var screenings = entries.Where(e => e.Resource is RiskAssessment ra && SessionCodes.IsScreening(ra)).Select(e => (RiskAssessment)e.Resource).ToList();
        foreach (var (resource, path) in entries)
        {
            if (resource is not Procedure procedure || !SessionCodes.IsStmProcedure(procedure) || ClinicalRules.StatusOf(procedure) is not ("completed" or "stopped"))
            {
                continue;
            }
            var deep = StmCodes.Pressure.From(ClinicalRules.ExtensionConcept(procedure, Extensions.Pressure)) == Pressure.Deep;
            var instrument = StmCodes.Technique.From(ClinicalRules.ExtensionConcept(procedure, Extensions.ProcedureMethod)) == Technique.InstrumentAssisted;
            if (!deep && !instrument)
            {
                continue;
            }
            var finding = screenings.Where(s => ClinicalRules.ScreeningOf(s, procedure, resources))
                .SelectMany(s => s.Basis.Select(b => resources.Resolve<Condition>(b)))
                .FirstOrDefault(c => c?.Code?.Coding.Any(BleedingRiskCodes.Contains) == true);
            if (finding is null)
            {
                continue;
            }
            var what = deep && instrument ? "deep pressure with an instrument" : deep ? "deep pressure" : "an instrument (IASTM)";
            var url = deep ? Extensions.Pressure : Extensions.ProcedureMethod;
            issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Warning, IssueCodes.BleedingRiskTechnique,
                $"{path}.extension[{procedure.Extension.FindIndex(e => e.Url == url)}]",
                $"The session used {what} although its screening found a bleeding risk ({Describe(finding.Code)}); blood thinners are a listed precaution for STM and IASTM (Cheatham, Baker, Kreiswirth 2019): consider lighter pressure and watch for bruising or petechiae.",
                OperationOutcome.IssueType.BusinessRule));
        }
    }

    /// <summary>STM-CLIN-012: pain or range of motion measured at a region the session did not treat and its indications do not concern.</summary>
    private static void MeasuredSiteTreated(List<(Resource Resource, string Path)> entries, ResourceSet resources, List<ValidationIssue> issues)
    {
        foreach (var (resource, path) in entries)
        {
            if (resource is not Observation observation
                || MeasuredRegion(observation) is not { } measured
                || observation.PartOf.Select(r => resources.Resolve<Procedure>(r)).FirstOrDefault(p => p is not null) is not { } session
                || BodySites.Concerned(session) is not { } concerned
                || concerned.Contains(measured))
            {
                continue;
            }
            var what = SessionCodes.IsPainScore(observation) ? "Pain" : "Range of motion";
            issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Warning, IssueCodes.MeasuredSiteNotTreated, path + ".bodySite",
                $"{what} was measured at the {JsonNames<BodyRegion>.Of(measured)}, which the session did not treat and its indications do not concern; is the site right?",
                OperationOutcome.IssueType.BusinessRule));
        }
    }

    private static BodyRegion? MeasuredRegion(Observation observation) =>
        SessionCodes.IsPainScore(observation) ? StmCodes.Find(StmCodes.BodyRegions, observation.BodySite)
        : SessionCodes.IsRangeOfMotion(observation) && StmCodes.Find(StmCodes.Joints, observation.BodySite) is { } joint ? BodySites.RegionOf(joint)
        : null;

    private static string Describe(CodeableConcept? concept) =>
        concept?.Coding.FirstOrDefault(BleedingRiskCodes.Contains) is { } coding
            ? $"{(coding.System == Standard.Snomed ? "SNOMED CT" : "ICD-10-CM")} {coding.Code}{(concept.Text is { Length: > 0 } ? ", " + concept.Text : "")}"
            : "a bleeding risk";
}
