using Hl7.Fhir.Model;
using StmFhir.Core.Sessions;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Clinical;

namespace StmFhir.Core.Tests.Validation;

public sealed class ClinicalRulesTests
{
    [Theory]
    [InlineData(Joint.Knee, Movement.Flexion, 140, "Normal")]          // within the 10-degree tolerance
    [InlineData(Joint.Knee, Movement.Flexion, 146, "OutsideNormal")]
    [InlineData(Joint.Knee, Movement.Flexion, 271, "Implausible")]     // above 2 x 135
    [InlineData(Joint.Knee, Movement.Extension, -5, "Normal")]
    [InlineData(Joint.Elbow, Movement.Extension, 15, "OutsideNormal")] // hyperextension beyond tolerance
    [InlineData(Joint.Elbow, Movement.Extension, 46, "Implausible")]   // above 0 + 45
    [InlineData(Joint.Ankle, Movement.Dorsiflexion, -41, "Implausible")]
    [InlineData(Joint.Knee, Movement.Abduction, 10, "NoReference")]
    public void RangeOfMotionIsJudgedAgainstTheAaosTable(Joint joint, Movement movement, int degrees, string expected) =>
        Assert.Equal(Enum.Parse<RomJudgement>(expected), RomReferenceRanges.Judge(joint, movement, degrees));

    [Theory]
    [InlineData(2, false)]
    [InlineData(3, true)]
    public void PainIncreaseOfThreePointsOrMoreIsAWarning(int increase, bool warned)
    {
        var bundle = InvalidSample("clinical-pain-increase.json");
        var pre = (Observation)bundle.Entry[3].Resource!;
        ((Observation)bundle.Entry[4].Resource!).Value = new Integer(((Integer)pre.Value!).Value!.Value + increase);
        var issues = ClinicalRules.Check(bundle).ToList();
        Assert.Equal(warned, issues.Any(i => i.Code == IssueCodes.PainIncrease && i.Severity == OperationOutcome.IssueSeverity.Warning));
    }

    [Fact]
    public void SessionNotDoneNeedsNoScreening()
    {
        var bundle = InvalidSample("clinical-no-screening.json");
        ((Procedure)bundle.Entry[2].Resource!).Status = EventStatus.NotDone;
        Assert.DoesNotContain(ClinicalRules.Check(bundle), i => i.Code == IssueCodes.NoScreening);
    }

    [Fact]
    public void ProcedureAloneIsNotBlamedForAMissingScreening()
    {
        var procedure = (Procedure)InvalidSample("clinical-no-screening.json").Entry[2].Resource!;
        Assert.DoesNotContain(ClinicalRules.Check(procedure), i => i.Code == IssueCodes.NoScreening);
    }

    [Fact]
    public void PetechiaeAsSnomedCodeAreAlsoReported()
    {
        var procedure = new Procedure { Complication = [new CodeableConcept("http://snomed.info/sct", "271813007")] };
        var issue = Assert.Single(ClinicalRules.Check(procedure));
        Assert.Equal((IssueCodes.Petechiae, "Procedure.complication[0]"), (issue.Code, issue.Expression));
    }

    private static Bundle InvalidSample(string name) => (Bundle)ValidationSamples.Invalid(name).Resource!;
}
