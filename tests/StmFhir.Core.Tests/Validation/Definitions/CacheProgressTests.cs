using StmFhir.Core.Validation.Definitions;

namespace StmFhir.Core.Tests.Validation.Definitions;

/// <summary>
/// A cache fill says what it does and how long it took (a first start takes about a minute, and a newcomer should see
/// why); a filled cache says nothing.
/// </summary>
public sealed class CacheProgressTests : IDisposable
{
    private readonly string _cache = Directory.CreateTempSubdirectory("stmfhir-cache-progress-").FullName;

    public void Dispose() => Directory.Delete(_cache, recursive: true);

    [Fact]
    public void GeneratingSnapshotsIntoAnEmptyCache_IsReported_AndReadingThemBackIsSilent()
    {
        var core = CoreDefinitions.Open(ValidationFixture.DefaultSpecificationZip, Core.Validation.StmValidatorOptions.DefaultCacheDirectory);
        var first = new List<string>();
        var second = new List<string>();

        ProfileSet.Load(ValidationFixture.ProfilesDirectory, core, _cache, first.Add);
        ProfileSet.Load(ValidationFixture.ProfilesDirectory, core, _cache, second.Add);

        Assert.Collection(first,
            start => Assert.StartsWith("Validation cache: generating the snapshots of", start),
            end => Assert.Matches(@"^Validation cache: snapshots generated in \d+\.\d s$", end));
        Assert.Empty(second);
    }
}
