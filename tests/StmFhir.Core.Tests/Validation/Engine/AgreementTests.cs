using Hl7.Fhir.Model;
using StmFhir.Core.Validation;

namespace StmFhir.Core.Tests.Validation.Engine;

/// <summary>
/// The engine's speed-ups (split core definitions, cached snapshots, shared compiled schemas, remembered terminology
/// answers, pooled validators) must not change a verdict: on every sample and every invalid sample, its Firely
/// issues are exactly those of the bare Firely validator with the same settings.
/// </summary>
[Collection(ValidationCollection.Name)]
public sealed class AgreementTests(ValidationFixture fixture)
{
    public static TheoryData<string> Inputs => ValidationSamples.AsTheoryData(
        [.. ValidationSamples.SessionBundleNames, .. ValidationSamples.InvalidNames.Select(n => "invalid/" + n)]);

    [Theory]
    [MemberData(nameof(Inputs))]
    public void EngineAndBareFirelyValidatorAgree(string name)
    {
        Resource? resource = name.StartsWith("invalid/", StringComparison.Ordinal)
            ? ValidationSamples.Invalid(name["invalid/".Length..]).Resource
            : ValidationSamples.SessionBundle(name);
        if (resource is null)
        {
            return; // unreadable input never reaches a validator
        }
        var engine = fixture.Engine.Validate(resource).Issues.Where(i => i.Code.StartsWith("FIRELY", StringComparison.Ordinal));
        var bare = new ValidationReport(fixture.Bare.Validate(resource)).Issues;
        Assert.True(bare.Select(Describe).SequenceEqual(engine.Select(Describe)), "bare:\n" + string.Join("\n", bare.Select(Describe)) + "\nengine:\n" + string.Join("\n", engine.Select(Describe)));
    }

    private static string Describe(ValidationIssue issue) => $"{issue.Severity} {issue.Code} {issue.Expression} {issue.Message}";
}
