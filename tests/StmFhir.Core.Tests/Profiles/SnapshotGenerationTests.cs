using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Snapshot;
using Hl7.Fhir.Specification.Source;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Core.Tests.Profiles;

/// <summary>
/// The Firely snapshot generator turns every differential in profiles/ into a snapshot without an issue. A profile
/// whose snapshot fails makes every resource claiming it fail validation (error 4000), so this is the first check
/// that the package works.
/// </summary>
public sealed class SnapshotGenerationTests(PackageResolverFixture package) : IClassFixture<PackageResolverFixture>
{
    public static TheoryData<string> StructureDefinitionFiles =>
        ProfilesFolder.FileNamesWhere(n => n.StartsWith("StructureDefinition-", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(StructureDefinitionFiles))]
    public async Task SnapshotIsGeneratedWithoutErrorsOrWarnings(string fileName)
    {
        var sd = (StructureDefinition)ProfilesFolder.Parse(fileName);
        var generator = new SnapshotGenerator(package.Resolver, SnapshotGeneratorSettings.CreateDefault());

        await generator.UpdateAsync(sd);

        var issues = generator.Outcome?.Issue.Select(i => $"{i.Severity} {i.Details?.Text} at {string.Join(",", i.Location)}") ?? [];
        Assert.Empty(issues);
        Assert.NotEmpty(sd.Snapshot!.Element);
    }

    [Theory]
    [MemberData(nameof(StructureDefinitionFiles))]
    public async Task EveryDifferentialElementAppearsInTheSnapshot(string fileName)
    {
        // A differential element the generator could not place (wrong order, wrong path) is silently dropped in some
        // SDK versions; comparing ids catches that as well.
        var sd = (StructureDefinition)ProfilesFolder.Parse(fileName);
        var generator = new SnapshotGenerator(package.Resolver, SnapshotGeneratorSettings.CreateDefault());

        await generator.UpdateAsync(sd);

        var snapshotIds = sd.Snapshot!.Element.Select(e => e.ElementId).ToHashSet();
        var unplaced = sd.Differential!.Element.Select(e => e.ElementId).Where(id => !snapshotIds.Contains(id));
        Assert.Equal([], unplaced);
    }

    [Fact]
    public async Task EveryCoreValueSetABindingNamesExistsInTheR4Specification()
    {
        var core = ProfilesFolder.All<StructureDefinition>()
            .SelectMany(sd => sd.Differential!.Element)
            .Select(e => e.Binding?.ValueSet)
            .OfType<string>()
            .Where(url => url.StartsWith("http://hl7.org/fhir/ValueSet/", StringComparison.Ordinal))
            .Distinct();

        foreach (var url in core)
        {
            var result = await package.Resolver.TryResolveByCanonicalUriAsync(url);
            Assert.True(result.Success, $"{url}: {result.Error?.Message}");
            Assert.IsType<ValueSet>(result.Value);
        }
    }
}

/// <summary>
/// profiles/ plus the R4 core definitions from the specification.zip that Hl7.Fhir.Specification.Data.R4 copies to
/// the output. Test-only: the production resolver chain belongs to StmFhir.Core.Validation.
/// </summary>
public sealed class PackageResolverFixture
{
    public PackageResolverFixture()
    {
        var profiles = new DirectorySource(ProfilesFolder.Path, new DirectorySourceSettings
        {
            // package.json and .index.json are package metadata, not FHIR resources.
            Masks = ["*-*.json"],
        });
        var core = new ZipSource(Path.Combine(AppContext.BaseDirectory, "specification.zip"));
        Resolver = new CachedResolver(new MultiResolver(profiles, core));
    }

    public IAsyncResourceResolver Resolver { get; }
}
