using Hl7.Fhir.Model;
using StmFhir.Core.Sessions;
using StmFhir.Core.Terminology;
using static StmFhir.Core.Terminology.StmCanonical;

namespace StmFhir.Core.Mapping;

/// <summary>
/// The pre-treatment screening as a RiskAssessment whose basis is one Condition per finding and one
/// MedicationStatement per medication of note (MAPPING.md, "Screening").
/// </summary>
internal static class ScreeningMapper
{
    public static IEnumerable<Resource> ToResources(ScreeningRecord screening, SessionKeys keys, string patientId, string practitionerId)
    {
        var performedAt = FhirValues.DateTime(screening.PerformedAt);
        var findings = screening.Findings.Select((finding, i) => ToCondition(finding, i, keys, patientId, performedAt)).ToList();
        var medications = screening.Medications.Select((medication, i) => ToMedicationStatement(medication, i, keys, patientId, performedAt)).ToList();

        var assessment = new RiskAssessment
        {
            Id = keys.Id(SessionKeys.Screening),
            Meta = FhirValues.Profile(Profiles.Screening),
            Identifier = [keys.Identifier(SessionKeys.Screening)],
            // The screening is part of the session's occurrence; docs/TERMINOLOGY.md marks this use of parent as unverified.
            Parent = FhirValues.Reference(keys.ProcedureId),
            Status = ObservationStatus.Final,
            Code = FhirValues.Concept(StmCodes.PreTreatmentScreening),
            Subject = FhirValues.Reference(patientId),
            Occurrence = new FhirDateTime(performedAt),
            Performer = FhirValues.Reference(practitionerId),
            Basis = [.. findings.Select(c => FhirValues.Reference(c.Id!)), .. medications.Select(m => FhirValues.Reference(m.Id!))],
            Prediction = [.. screening.Predictions.Select(ToPrediction)],
            Mitigation = screening.Mitigation,
        };
        assessment.Extension.Add(FhirValues.CodedExtension(Extensions.ScreeningResult, StmCodes.ScreeningResult.Coding(screening.Result)));
        return [.. findings, .. medications, assessment];
    }

    public static ScreeningRecord? FromRiskAssessment(RiskAssessment assessment, ResourceSet resources, SessionKeys keys, MappingProblems problems)
    {
        const string at = "RiskAssessment";
        var performedAt = problems.Require(FhirValues.ParseDateTime((assessment.Occurrence as FhirDateTime)?.Value), $"{at}.occurrenceDateTime");
        var result = problems.Require(StmCodes.ScreeningResult.From(FhirValues.ExtensionConcept(assessment, Extensions.ScreeningResult)),
            $"{at}.extension('stm-screening-result')");
        var findings = new List<(int Order, ScreeningFinding Finding)>();
        var medications = new List<(int Order, MedicationRecord Medication)>();
        for (var i = 0; i < assessment.Basis.Count; i++)
        {
            var basisAt = $"{at}.basis[{i}]";
            switch (resources.Resolve<Resource>(assessment.Basis[i]))
            {
                case Condition condition when FromCondition(condition, basisAt, problems) is { } finding:
                    findings.Add((keys.IndexIn(condition.Identifier, SessionKeys.Finding) ?? i, finding));
                    break;
                case MedicationStatement statement when FromMedicationStatement(statement, basisAt, problems) is { } medication:
                    medications.Add((keys.IndexIn(statement.Identifier, SessionKeys.Medication) ?? i, medication));
                    break;
                case Condition or MedicationStatement:
                    break;
                default:
                    problems.Add(basisAt, "does not resolve to a Condition or MedicationStatement");
                    break;
            }
        }
        var predictions = assessment.Prediction.Select((p, i) => FromPrediction(p, $"{at}.prediction[{i}]", problems)).ToList();
        return performedAt is null || result is null
            ? null
            : new ScreeningRecord
            {
                PerformedAt = performedAt.Value,
                Result = result.Value,
                Findings = [.. findings.OrderBy(f => f.Order).Select(f => f.Finding)],
                Medications = [.. medications.OrderBy(m => m.Order).Select(m => m.Medication)],
                Predictions = [.. predictions.OfType<RiskPrediction>()],
                Mitigation = assessment.Mitigation,
            };
    }

    private static Condition ToCondition(ScreeningFinding finding, int index, SessionKeys keys, string patientId, string recordedAt)
    {
        var condition = new Condition
        {
            Id = keys.Id(SessionKeys.Finding, index),
            Meta = FhirValues.Profile(Profiles.ScreeningFinding),
            Identifier = [keys.Identifier(SessionKeys.Finding, index)],
            ClinicalStatus = new CodeableConcept(Standard.ConditionClinical, "active", "Active"),
            VerificationStatus = new CodeableConcept(Standard.ConditionVerification, "confirmed", "Confirmed"),
            Code = ClinicalCodes.ToConcept(finding.Code),
            Subject = FhirValues.Reference(patientId),
            RecordedDate = recordedAt,
        };
        condition.Extension.Add(FhirValues.CodedExtension(Extensions.FindingKind, StmCodes.FindingKind.Coding(finding.Kind)));
        return condition;
    }

    private static ScreeningFinding? FromCondition(Condition condition, string at, MappingProblems problems)
    {
        var kind = problems.Require(StmCodes.FindingKind.From(FhirValues.ExtensionConcept(condition, Extensions.FindingKind)),
            $"{at}.resolve().extension('stm-finding-kind')");
        var code = ClinicalCodes.FromConcept(condition.Code, $"{at}.resolve().code", problems);
        return kind is null || code is null ? null : new ScreeningFinding(kind.Value, code);
    }

    private static MedicationStatement ToMedicationStatement(MedicationRecord medication, int index, SessionKeys keys, string patientId, string assertedAt)
    {
        var concept = new CodeableConcept { Text = medication.Name };
        if (medication.Code is { } code)
        {
            concept.Coding.Add(new Coding(code.System, code.Code, code.Display));
        }
        return new MedicationStatement
        {
            Id = keys.Id(SessionKeys.Medication, index),
            Meta = FhirValues.Profile(Profiles.MedicationOfNote),
            Identifier = [keys.Identifier(SessionKeys.Medication, index)],
            Status = MedicationStatement.MedicationStatusCodes.Active,
            Medication = concept,
            Subject = FhirValues.Reference(patientId),
            DateAsserted = assertedAt,
        };
    }

    private static MedicationRecord? FromMedicationStatement(MedicationStatement statement, string at, MappingProblems problems)
    {
        var concept = statement.Medication as CodeableConcept;
        var name = problems.Require(concept?.Text, $"{at}.resolve().medicationCodeableConcept.text");
        var coding = concept?.Coding.FirstOrDefault();
        return name is null
            ? null
            : new MedicationRecord(name, coding is { System: { } system, Code: { } code } ? new CodingRecord(system, code, coding.Display) : null);
    }

    private static RiskAssessment.PredictionComponent ToPrediction(RiskPrediction prediction)
    {
        var outcome = StmCodes.AdverseOutcome.Concept(prediction.Outcome);
        if (prediction.Outcome == AdverseOutcome.Petechiae)
        {
            outcome.Coding.Add((Coding)StmCodes.SnomedPetechiae.DeepCopy());
        }
        else if (prediction.Outcome == AdverseOutcome.Fracture)
        {
            outcome.Coding.Add((Coding)StmCodes.SnomedFracture.DeepCopy());
        }
        var risk = JsonNamesOf(prediction.Risk);
        return new RiskAssessment.PredictionComponent
        {
            Outcome = outcome,
            QualitativeRisk = new CodeableConcept(Standard.RiskProbability, risk, char.ToUpperInvariant(risk[0]) + risk[1..]),
        };
    }

    // probability[x] is not read: the session record holds only the qualitative risk, and what a strict target was sent
    // in its place (LiteralRas2Form: a data-absent probabilityRange) must map back to the same record.
    private static RiskPrediction? FromPrediction(RiskAssessment.PredictionComponent prediction, string at, MappingProblems problems)
    {
        var outcome = problems.Require(StmCodes.AdverseOutcome.From(prediction.Outcome), $"{at}.outcome");
        var riskCode = prediction.QualitativeRisk?.Coding.FirstOrDefault(c => c.System == Standard.RiskProbability)?.Code;
        RiskProbability? risk = riskCode is not null && JsonNames<RiskProbability>.TryParse(riskCode, out var parsed) ? parsed : null;
        problems.Require(risk, $"{at}.qualitativeRisk");
        return outcome is null || risk is null ? null : new RiskPrediction(outcome.Value, risk.Value);
    }

    // risk-probability codes are exactly the session format's names (negligible, low, moderate, high, certain).
    private static string JsonNamesOf(RiskProbability risk) => JsonNames<RiskProbability>.Of(risk);
}
