using Microsoft.Extensions.Logging.Abstractions;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Gateway.Validation;

namespace StmFhir.Gateway.Tests.Health;

/// <summary>
/// The engine says ready only after validating made-up sessions for its warm-up time (Fhir:ValidationWarmUp), so the
/// JIT has optimized the hot paths before the first client; with no warm-up time it validates one, to compile the schemas.
/// </summary>
public sealed class WarmUpTests
{
    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(1500, 3, int.MaxValue)]
    public async Task TheEngineValidatesForItsWarmUpTime_BeforeItIsReady(int milliseconds, int atLeast, int atMost)
    {
        using var validator = new EngineValidator(Path.Combine(RepoPaths.Root, "profiles"), NullLogger<EngineValidator>.Instance,
            warmUpTime: TimeSpan.FromMilliseconds(milliseconds));
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!validator.IsReady && waited.Elapsed < TimeSpan.FromMinutes(2))
        {
            Assert.Equal(0, validator.WarmUpValidations);
            await Task.Delay(20);
        }
        Assert.True(validator.IsReady);
        Assert.InRange(validator.WarmUpValidations, atLeast, atMost);
    }
}
