using Hl7.Fhir.Model;
using StmFhir.Core.Validation.Definitions;

namespace StmFhir.Core.Tests.Validation.Definitions;

/// <summary>Every profile in profiles/ gets its snapshot from the SDK's generator, with nothing to report.</summary>
public sealed class ProfileSnapshotTests
{
    // Generated from scratch (no cache) once for the class: this is the generation the engine relies on.
    private static readonly Lazy<ProfileSet> s_generated = new(() =>
        ProfileSet.Load(ValidationFixture.ProfilesDirectory,
            CoreDefinitions.Open(ValidationFixture.DefaultSpecificationZip, Core.Validation.StmValidatorOptions.DefaultCacheDirectory),
            cacheRoot: null));

    public static TheoryData<string> ProfileUrls => ValidationSamples.AsTheoryData(
        Directory.EnumerateFiles(ValidationFixture.ProfilesDirectory, "StructureDefinition-*.json")
            .Select(f => "http://stmfhir.org/fhir/StructureDefinition/" + Path.GetFileNameWithoutExtension(f)["StructureDefinition-".Length..])
            .Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(ProfileUrls))]
    public void ProfileGetsASnapshotWithoutErrorsOrWarnings(string url)
    {
        var generated = s_generated.Value;
        var sd = Assert.IsType<StructureDefinition>(generated.ByCanonical[url]);
        Assert.DoesNotContain(generated.Issues, i => i.Expression?.StartsWith(url, StringComparison.Ordinal) == true || i.Message.Contains(url, StringComparison.Ordinal));
        Assert.NotNull(sd.Snapshot);
        Assert.True(sd.Snapshot.Element.Count > (sd.Differential?.Element.Count ?? 0), "the snapshot holds the base's elements too");
    }

    [Fact]
    public void LoadingTheProfilesFolderReportsNothing() => Assert.Empty(s_generated.Value.Issues);
}
