using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Clinical;
using StmFhir.Core.Validation.Definitions;
using StmFhir.Core.Validation.Interop;

namespace StmFhir.Core.Tests.Validation;

/// <summary>
/// STM-INTEROP-001 warns exactly where R4's text of ras-2, evaluated as written, is not true and the engine has no
/// error for it (a probability above 100 is STM-CORE-001). tests/peer-fhir/interop shows Medplum refuses exactly those.
/// </summary>
public sealed class InteroperabilityRulesTests
{
    public static TheoryData<string> Predictions => new(Cases.Keys.Order(StringComparer.Ordinal));

    private static readonly Dictionary<string, Func<RiskAssessment.PredictionComponent>> Cases = new(StringComparer.Ordinal)
    {
        ["qualitative risk only"] = () => new() { QualitativeRisk = new CodeableConcept("http://terminology.hl7.org/CodeSystem/risk-probability", "low") },
        ["outcome only"] = () => new() { Outcome = new CodeableConcept { Text = "bruising" } },
        ["probability 0"] = () => new() { Probability = new FhirDecimal(0m) },
        ["probability 37.5"] = () => new() { Probability = new FhirDecimal(37.5m) },
        ["probability 100"] = () => new() { Probability = new FhirDecimal(100m) },
        ["probability 150"] = () => new() { Probability = new FhirDecimal(150m) },
        ["probability range"] = () => new() { Probability = new Hl7.Fhir.Model.Range { Low = new Quantity(5m, "%") { System = "http://unitsofmeasure.org", Code = "%" } } },
        ["probability range holding only a data-absent reason (the literal ras-2 form)"] = () => new()
        {
            Probability = new Hl7.Fhir.Model.Range { Extension = [new Extension(StmFhir.Core.Mapping.LiteralRas2Form.DataAbsentReasonUrl, new Code("unsupported"))] },
        },
        ["probability with an extension and no value"] = () => new() { Probability = new FhirDecimal { Extension = [new Extension("http://example.org/why", new FhirString("not known"))] } },
    };

    [Fact]
    public void TheRuleEvaluatesTheR4TextOfRas2()
    {
        var core = CoreDefinitions.Open(ValidationFixture.DefaultSpecificationZip, StmValidatorOptions.DefaultCacheDirectory);
        var riskAssessment = (StructureDefinition)core.TryResolveByCanonicalUri("http://hl7.org/fhir/StructureDefinition/RiskAssessment").Value!;
        var ras2 = riskAssessment.Snapshot!.Element.SelectMany(e => e.Constraint).First(c => c.Key == "ras-2");
        Assert.Equal(InteroperabilityRules.LiteralRas2, ras2.Expression);
    }

    [Theory]
    [MemberData(nameof(Predictions))]
    public void WarnsExactlyWhereTheLiteralRas2FailsAndTheEngineHasNoErrorForIt(string name)
    {
        var prediction = Cases[name]();
        var assessment = new RiskAssessment { Prediction = [new() { QualitativeRisk = new CodeableConcept { Text = "low" } }, prediction] };

        var literalFails = !prediction.IsTrue(InteroperabilityRules.LiteralRas2);
        var warnings = InteroperabilityRules.Check(assessment).Where(i => i.Expression == "RiskAssessment.prediction[1]").ToList();
        var errors = ClinicalRules.Check(assessment).Where(i => i.Code == IssueCodes.RiskProbabilityAbove100).ToList();

        Assert.Equal(literalFails, warnings.Count + errors.Count == 1);
        Assert.True(warnings.Count + errors.Count <= 1, "never both a warning and an error for one prediction");
        Assert.All(warnings, w => Assert.Equal((OperationOutcome.IssueSeverity.Warning, IssueCodes.StrictR4RiskProbability), (w.Severity, w.Code)));
        Assert.All(warnings, w => Assert.Contains("FHIR-25796", w.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void EachPredictionOfEachRiskAssessmentInABundleIsNamed()
    {
        var bundle = new Bundle
        {
            Type = Bundle.BundleType.Transaction,
            Entry =
            [
                new() { Resource = new Patient() },
                new() { Resource = new RiskAssessment { Prediction = [new() { Probability = new FhirDecimal(5m) }, new() { Outcome = new CodeableConcept { Text = "a" } }] } },
                new() { Resource = new RiskAssessment { Prediction = [new() { Outcome = new CodeableConcept { Text = "b" } }] } },
            ],
        };

        var at = InteroperabilityRules.Check(bundle).Select(i => i.Expression);

        Assert.Equal(["Bundle.entry[1].resource.prediction[1]", "Bundle.entry[2].resource.prediction[0]"], at);
    }
}
