using System.Text.Json;
using StmFhir.Core.Validation;

namespace StmFhir.Core.Tests.Validation;

/// <summary>
/// Each file in samples/invalid breaks one rule; <c>&lt;name&gt;.expected.json</c> beside it lists the issues
/// (severity, code, expression) it must produce, warnings included: exactly that set, nothing more.
/// </summary>
[Collection(ValidationCollection.Name)]
public sealed class InvalidSampleTests(ValidationFixture fixture)
{
    public static TheoryData<string> InvalidSamples => ValidationSamples.AsTheoryData(ValidationSamples.InvalidNames);

    [Fact]
    public void ThereAreAtLeastFifteenInvalidSamplesEachWithItsExpectation()
    {
        Assert.True(ValidationSamples.InvalidNames.Count >= 15);
        Assert.All(ValidationSamples.InvalidNames, name => Assert.True(File.Exists(ExpectedPath(name)), name + " has no .expected.json"));
    }

    [Theory]
    [MemberData(nameof(InvalidSamples))]
    public void InvalidSampleProducesExactlyItsExpectedIssues(string name)
    {
        var expected = Expected(name);
        var actual = Actual(fixture.Engine, name);
        Assert.Equal(expected.OrderBy(i => i.ToString()), actual.OrderBy(i => i.ToString()));
    }

    internal static IReadOnlyList<ExpectedIssue> Actual(StmValidator engine, string name)
    {
        var parsed = ValidationSamples.Invalid(name);
        var issues = parsed.Resource is null ? parsed.Issues : [.. parsed.Issues, .. engine.Validate(parsed.Resource).Issues];
        return [.. issues
            .Where(i => i.Severity <= Hl7.Fhir.Model.OperationOutcome.IssueSeverity.Warning)
            .Select(i => new ExpectedIssue(i.Severity.ToString().ToLowerInvariant(), i.Code, i.Expression))
            .Distinct()];
    }

    private static IReadOnlyList<ExpectedIssue> Expected(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(ExpectedPath(name)));
        return [.. document.RootElement.GetProperty("issues").EnumerateArray().Select(i => new ExpectedIssue(
            i.GetProperty("severity").GetString()!, i.GetProperty("code").GetString()!,
            i.TryGetProperty("expression", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null))];
    }

    private static string ExpectedPath(string name) => RepoPaths.Samples("invalid", Path.GetFileNameWithoutExtension(name) + ".expected.json");

    internal sealed record ExpectedIssue(string Severity, string Code, string? Expression);
}
