using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using StmFhir.Core.Mapping;
using StmFhir.Core.Tests.Sessions;
using StmFhir.Core.Validation;

namespace StmFhir.Core.Tests.Validation.FastPath;

/// <summary>
/// The fast path (values that passed before are not walked again) must give exactly the report of the engine with
/// the fast path off, on valid and broken input alike, including when a remembered value turns up in a new place.
/// </summary>
[Collection(ValidationCollection.Name)]
public sealed class FastPathEquivalenceTests(ValidationFixture fixture)
{
    /// <summary>600 generated cases, or <c>$STMFHIR_FASTPATH_CASES</c> for a longer run.</summary>
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("STMFHIR_FASTPATH_CASES"), out var n) && n > 0 ? n : 600;

    [Fact]
    public void GeneratedSessionsWithRandomMutationsGetTheSameIssuesWithAndWithoutTheFastPath()
    {
        var byMutation = new int[BundleMutations.Names.Length];
        var invalid = 0;
        var mutations = Gen.Select(Gen.Int[0, BundleMutations.Names.Length - 1], Gen.Int[0, 1_000_000]).Array[1, 3];
        Gen.Select(StmSessionGen.Session, mutations).Sample((session, edits) =>
        {
            var json = FhirJson.Serialize(StmBundleMapper.ToBundle(session));
            // The valid Bundle first, so the fast path remembers its values before meeting the broken ones.
            AssertSameReport(json, "valid");
            var bundle = JsonNode.Parse(json)!.AsObject();
            var done = new List<string>();
            foreach (var (kind, pick) in edits)
            {
                done.Add(BundleMutations.Apply(bundle, kind, pick));
                byMutation[kind]++;
            }
            if (AssertSameReport(bundle.ToJsonString(), string.Join("; ", done)))
            {
                invalid++;
            }
        }, iter: Cases, threads: 1);

        // The mutations did reach the validator, and most made the Bundle invalid.
        Assert.All(byMutation, n => Assert.True(n > 0));
        Assert.True(invalid > Cases / 2, $"only {invalid} of {Cases} mutated Bundles were invalid");
        Assert.True(fixture.Engine.CleanValues!.Count > 100);
        Console.WriteLine($"{Cases} generated sessions, {invalid} invalid after mutation; mutations applied: " +
            string.Join(", ", BundleMutations.Names.Zip(byMutation, (name, count) => $"{name} {count}")));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void SamplesGetTheSameIssuesWithAndWithoutTheFastPathTwice(string name)
    {
        var resource = name.StartsWith("invalid/", StringComparison.Ordinal)
            ? ValidationSamples.Invalid(name["invalid/".Length..]).Resource
            : ValidationSamples.SessionBundle(name);
        if (resource is null)
        {
            return;
        }
        var expected = fixture.FirelyOnlyEngine.Validate(resource).Issues;
        // Twice: the first may fill the memo, the second answers from it.
        Assert.Equal(expected, fixture.Engine.Validate(resource).Issues);
        Assert.Equal(expected, fixture.Engine.Validate(resource).Issues);
    }

    public static TheoryData<string> Samples => ValidationSamples.AsTheoryData(
        [.. ValidationSamples.SessionBundleNames, .. ValidationSamples.InvalidNames.Select(n => "invalid/" + n)]);

    /// <summary>Asserts both engines give the same issues; true when the input is invalid.</summary>
    private bool AssertSameReport(string json, string what)
    {
        var forFast = FhirInput.Parse(Encoding.UTF8.GetBytes(json)).Resource;
        var forFirely = FhirInput.Parse(Encoding.UTF8.GetBytes(json)).Resource;
        if (forFast is null || forFirely is null)
        {
            return true;
        }
        var fast = fixture.Engine.Validate(forFast).Issues;
        var firely = fixture.FirelyOnlyEngine.Validate(forFirely).Issues;
        Assert.True(firely.SequenceEqual(fast), $"{what}\nFirely only:\n{Describe(firely)}\nfast path:\n{Describe(fast)}");
        return firely.Any(i => i.IsError);
    }

    private static string Describe(IEnumerable<ValidationIssue> issues) =>
        string.Join("\n", issues.Select(i => $"{i.Severity} {i.Code} {i.Expression} {i.Message}"));
}
