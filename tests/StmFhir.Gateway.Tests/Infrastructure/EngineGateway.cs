using Microsoft.Extensions.Logging.Abstractions;
using StmFhir.Gateway.Validation;

namespace StmFhir.Gateway.Tests.Infrastructure;

/// <summary>A gateway with the real validation engine, built once for the whole test run (it takes seconds).</summary>
public sealed class EngineGateway : GatewayFactory
{
    public EngineGateway() => Validator = SharedEngine.Instance;
}

/// <summary>One real engine for every test that needs one.</summary>
internal static class SharedEngine
{
    public static readonly EngineValidator Instance = new(Path.Combine(RepoPaths.Root, "profiles"), NullLogger<EngineValidator>.Instance);
}
