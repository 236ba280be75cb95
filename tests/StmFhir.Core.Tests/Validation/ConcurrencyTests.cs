using Hl7.Fhir.Model;
using StmFhir.Core.Validation;

namespace StmFhir.Core.Tests.Validation;

/// <summary>A cold engine shared by several threads gives the same verdicts as one thread (a cold, shared Firely validator does not).</summary>
[Collection(ValidationCollection.Name)]
public sealed class ConcurrencyTests(ValidationFixture fixture)
{
    [Fact]
    public void ColdEngineSharedByFourThreadsGivesTheVerdictsOfOneThread()
    {
        var inputs = ValidationSamples.SessionBundleNames.Select(ValidationSamples.SessionBundle)
            .Concat(ValidationSamples.InvalidNames.Select(n => ValidationSamples.Invalid(n).Resource).OfType<Resource>())
            .ToList();
        var expected = inputs.Select(r => Describe(fixture.Engine.Validate(r))).ToList();

        var cold = StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = ValidationFixture.ProfilesDirectory });
        var actual = new string[4, inputs.Count];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, thread =>
        {
            // Each thread walks the inputs from a different starting point, so different schemas are compiled first.
            for (var k = 0; k < inputs.Count; k++)
            {
                var i = (k + thread * 7) % inputs.Count;
                actual[thread, i] = Describe(cold.Validate(inputs[i]));
            }
        });
        for (var thread = 0; thread < 4; thread++)
        {
            for (var i = 0; i < inputs.Count; i++)
            {
                Assert.Equal(expected[i], actual[thread, i]);
            }
        }
    }

    private static string Describe(ValidationReport report) =>
        string.Join("\n", report.Issues.Select(i => $"{i.Severity} {i.Code} {i.Expression} {i.Message}"));
}
