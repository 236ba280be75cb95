using System.Text;
using Firely.Fhir.Validation;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Engine;

namespace StmFhir.Core.Tests.Validation;

/// <summary>A profile claimed many times in meta.profile is validated once (the fuzz run found Firely comparing every pair).</summary>
[Collection(ValidationCollection.Name)]
public sealed class RepeatedProfileTests(ValidationFixture fixture)
{
    [Fact]
    public void TheClaimedProfilesAreEachKeptOnce_InTheOrderFirstClaimed()
    {
        Canonical a = new("http://example.org/a"), b = new("http://example.org/b");

        var distinct = FirelySettings.DistinctProfiles([a, b, new Canonical("http://example.org/a"), b, a]);

        Assert.Equal(["http://example.org/a", "http://example.org/b"], distinct.Select(c => c.ToString()));
    }

    [Fact]
    public void AProfileClaimedTwoThousandTimes_GetsTheIssuesOfOneClaim()
    {
        var practitioner = "http://stmfhir.org/fhir/StructureDefinition/stm-practitioner";
        string Json(int claims) => "{\"resourceType\":\"Practitioner\",\"meta\":{\"profile\":["
            + string.Join(',', Enumerable.Repeat($"\"{practitioner}\"", claims)) + "]},\"name\":[{\"family\":\"Test\"}]}";
        List<string> Issues(int claims) => [.. fixture.Engine.Validate(FhirInput.Parse(Encoding.UTF8.GetBytes(Json(claims))).Resource!).Issues
            .Select(i => $"{i.Severity} {i.Code} {i.Expression} {i.Message}")];

        var once = Issues(1);

        Assert.Equal(once, Issues(2000));
        Assert.DoesNotContain(once, i => i.Contains(IssueCodes.NotCheckable, StringComparison.Ordinal) || i.Contains(IssueCodes.UnknownStmProfile, StringComparison.Ordinal));
    }
}
