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
        Assert.All(report.Issues, i => Assert.StartsWith("STM-CLIN-", i.Code));
    }

    [Fact]
    public void ProfilesLoadWithoutIssues() => Assert.Empty(fixture.Engine.ProfileIssues);
}
