using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation.Interop;

/// <summary>
/// Warnings about resources that are valid FHIR R4 but that servers we exchange with are known to refuse, so that a
/// developer validating a Bundle learns it before a hospital's server tells them (VALIDATION.md, "Interoperability
/// warnings"). They never make a resource invalid: the FHIR stays correct, and what to send a strict server is the
/// exchange's concern.
/// </summary>
internal static class InteroperabilityRules
{
    /// <summary>The R4 text of core invariant ras-2 on <c>RiskAssessment.prediction</c>, as strict R4 servers evaluate it.</summary>
    public const string LiteralRas2 = "probability is decimal implies (probability as decimal) <= 100";

    public static IEnumerable<ValidationIssue> Check(Resource root)
    {
        var issues = new List<ValidationIssue>();
        foreach (var (resource, path) in ResourcePaths.Of(root))
        {
            if (resource is RiskAssessment assessment)
            {
                StrictRas2(assessment, path, issues);
            }
        }
        return issues;
    }

    /// <summary>
    /// STM-INTEROP-001: a prediction that the literal R4 ras-2 fails although it means no harm. With no probability
    /// (a prediction that has only a qualitative risk, as every StmFhir screening finding) <c>probability is decimal</c>
    /// is empty, so the whole expression is empty, not true, and a server that applies the expression as written
    /// refuses the resource (Medplum 4.5.2: "Constraint ras-2 not met"; the Firely validator alike, which is why the
    /// engine runs ras-2 as STM-CORE-001). HL7 accepted this as a defect of R4 (FHIR-25796) and corrected the
    /// expression in R4B. A probability above 100 also fails the literal expression, but it is a real error
    /// (STM-CORE-001), so it gets no warning; a range, or a decimal up to 100, passes.
    /// </summary>
    private static void StrictRas2(RiskAssessment assessment, string path, List<ValidationIssue> issues)
    {
        for (var i = 0; i < assessment.Prediction.Count; i++)
        {
            if (assessment.Prediction[i] is { } prediction && !HasProbabilityForLiteralRas2(prediction.Probability))
            {
                issues.Add(new ValidationIssue(OperationOutcome.IssueSeverity.Warning, IssueCodes.StrictR4RiskProbability, $"{path}.prediction[{i}]",
                    "This prediction has no probability: valid R4, but a strict R4 server applying ras-2 as R4 wrote it (a defect, FHIR-25796, "
                    + "fixed in R4B), e.g. Medplum, may refuse the resource (\"Constraint ras-2 not met\"). A probabilityRange holding only the "
                    + "data-absent-reason extension, no number, passes it (what StmFhir sends such a server).",
                    OperationOutcome.IssueType.Invariant));
            }
        }
    }

    // A probability the literal expression can compare: anything but a decimal (a Range: "is decimal" is false) or a
    // decimal with a value. A decimal with a value that is not a number is a structure error already, and one above
    // 100 is STM-CORE-001's.
    private static bool HasProbabilityForLiteralRas2(DataType? probability) => probability switch
    {
        null => false,
        FhirDecimal d => d.JsonValue is not null,
        _ => true,
    };
}
