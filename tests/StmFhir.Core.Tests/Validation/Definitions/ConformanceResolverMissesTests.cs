using StmFhir.Core.Validation.Definitions;

namespace StmFhir.Core.Tests.Validation.Definitions;

/// <summary>URLs the input names and no definition has are remembered only while short and few.</summary>
public sealed class ConformanceResolverMissesTests
{
    [Fact]
    public void AShortMissIsRemembered_ALongOneNever_AndNoneBeyondTheCount()
    {
        var misses = new ConformanceResolver.Misses();

        Assert.False(misses.Remember("http://example.org/" + new string('x', ConformanceResolver.Misses.MaxLength)));
        for (var i = 0; i < ConformanceResolver.Misses.MaxCount; i++)
        {
            Assert.True(misses.Remember($"http://example.org/StructureDefinition/{i}"));
        }
        Assert.False(misses.Remember("http://example.org/StructureDefinition/one-more"));
    }
}
