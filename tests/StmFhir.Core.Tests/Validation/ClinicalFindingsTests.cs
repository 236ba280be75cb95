using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Clinical;

namespace StmFhir.Core.Tests.Validation;

/// <summary>The DetectedIssue resources of a session's findings: valid under stm-detected-issue, and the same for the same session.</summary>
[Collection(ValidationCollection.Name)]
public sealed class ClinicalFindingsTests(ValidationFixture fixture)
{
    [Theory]
    [InlineData("sessions/04-patellar-tendinopathy-anticoagulant-bruising.json", "STM-CLIN-011")]
    [InlineData("sessions/08-de-quervain-petechiae.json", "STM-CLIN-008")]
    public void FindingsOfASampleSession_PassEveryLayerInItsBundle(string sample, string code)
    {
        var bundle = ValidationSamples.SessionBundle(sample);
        var findings = ClinicalFindings.For(bundle, fixture.Engine.Validate(bundle).Issues);
        Assert.Contains(findings, f => f.Code!.Coding[0].Code == code);

        foreach (var finding in findings)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = "urn:uuid:" + finding.Id,
                Resource = finding,
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = "DetectedIssue/" + finding.Id },
            });
        }
        var report = fixture.Engine.Validate(bundle);

        Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(i => $"{i.Code} {i.Expression}: {i.Message}")));
        Assert.DoesNotContain(report.Issues, i => i.Expression?.StartsWith($"Bundle.entry[{bundle.Entry.Count - 1}]", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void TheSameSession_GivesTheSameFindings_ToTheByte()
    {
        var first = Json("sessions/08-de-quervain-petechiae.json");
        var second = Json("sessions/08-de-quervain-petechiae.json");

        Assert.Equal(first, second);
        Assert.NotEmpty(first);
    }

    [Fact]
    public void ErrorsAndRulesThatAreNotFindings_GiveNoDetectedIssue()
    {
        var bundle = ValidationSamples.SessionBundle("sessions/08-de-quervain-petechiae.json");
        var procedureIndex = bundle.Entry.FindIndex(e => e.Resource is Procedure);
        var at = $"Bundle.entry[{procedureIndex}].resource.complication[0]";

        Assert.Empty(ClinicalFindings.For(bundle, [
            new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.Petechiae, at, "as an error"),
            new ValidationIssue(OperationOutcome.IssueSeverity.Warning, IssueCodes.StrictR4RiskProbability, at, "not a finding"),
            new ValidationIssue(OperationOutcome.IssueSeverity.Warning, IssueCodes.Petechiae, "Procedure.complication[0]", "not in a Bundle"),
        ]));
    }

    [Fact]
    public void Retired_IsTheSameFindingEnteredInError()
    {
        var bundle = ValidationSamples.SessionBundle("sessions/08-de-quervain-petechiae.json");
        var finding = ClinicalFindings.For(bundle, fixture.Engine.Validate(bundle).Issues).First();

        var retired = ClinicalFindings.Retired(finding);

        Assert.Equal(ObservationStatus.EnteredInError, retired.Status);
        Assert.Equal(ObservationStatus.Final, finding.Status);
        Assert.Equal(finding.Id, retired.Id);
    }

    private List<string> Json(string sample)
    {
        var bundle = ValidationSamples.SessionBundle(sample);
        return [.. ClinicalFindings.For(bundle, fixture.Engine.Validate(bundle).Issues).Select(FhirJson.Serialize)];
    }
}
