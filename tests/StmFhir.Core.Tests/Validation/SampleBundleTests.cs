using Hl7.Fhir.Model;
using StmFhir.Core.Validation;

namespace StmFhir.Core.Tests.Validation;

/// <summary>Every sample session, as the mapper's Bundle, passes every layer without an error.</summary>
[Collection(ValidationCollection.Name)]
public sealed class SampleBundleTests(ValidationFixture fixture)
{
    public static TheoryData<string> SessionBundles => ValidationSamples.AsTheoryData(ValidationSamples.SessionBundleNames.DefaultIfEmpty("(none yet)"));

    [Theory]
    [MemberData(nameof(SessionBundles))]
    public void SampleSessionBundleHasNoErrors(string name)
    {
        if (name == "(none yet)")
        {
            return;
        }
        var report = fixture.Engine.Validate(ValidationSamples.SessionBundle(name));
        Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(i => $"{i.Code} {i.Expression}: {i.Message}")));
        // Clinical warnings, and STM-INTEROP-001 on each screening prediction without a probability (qualitative risk
        // only): valid R4 that strict R4 servers refuse (InteroperabilityRulesTests, tests/peer-fhir/interop).
        Assert.All(report.Issues, i => Assert.True(i.Code.StartsWith("STM-CLIN-", StringComparison.Ordinal) || i.Code == IssueCodes.StrictR4RiskProbability, i.Code));
        var withoutProbability = PredictionsWithoutProbability(ValidationSamples.SessionBundle(name));
        Assert.Equal(withoutProbability, report.Issues.Where(i => i.Code == IssueCodes.StrictR4RiskProbability).Select(i => i.Expression));
    }

    [Theory]
    [MemberData(nameof(SessionBundles))]
    public void SampleSessionBundleInTheLiteralRas2FormHasNoErrorsAndNoStrictServerWarning(string name)
    {
        if (name == "(none yet)")
        {
            return;
        }
        // What a target with Compatibility:LiteralRas2 receives is valid against the profiles too, and nothing in it is
        // refused by a server applying R4's ras-2 text literally.
        var report = fixture.Engine.Validate(StmFhir.Core.Tests.Mapping.LiteralRas2FormTests.InLiteralRas2Form(ValidationSamples.SessionBundle(name)));
        Assert.True(report.IsValid, string.Join("\n", report.Errors.Select(i => $"{i.Code} {i.Expression}: {i.Message}")));
        Assert.All(report.Issues, i => Assert.StartsWith("STM-CLIN-", i.Code, StringComparison.Ordinal));
    }

    private static IEnumerable<string?> PredictionsWithoutProbability(Bundle bundle) =>
        bundle.Entry.SelectMany((entry, n) => entry.Resource is RiskAssessment assessment
            ? assessment.Prediction.Select((p, i) => (p, i)).Where(x => x.p.Probability is null).Select(x => (string?)$"Bundle.entry[{n}].resource.prediction[{x.i}]")
            : []);

    [Fact]
    public void ProfilesLoadWithoutIssues() => Assert.Empty(fixture.Engine.ProfileIssues);
}
