using System.Text.Json;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Logging;

/// <summary>
/// Health probes are logged at Debug, whatever they answer: an orchestrator polls them every few seconds, and a 503 from
/// <c>/readyz</c> while the validation cache fills is expected, not an error. Other requests keep their level.
/// </summary>
public sealed class HealthProbeLogLevelTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task HealthProbes_AreLoggedAtDebug_WhileOtherRequestsStayAtInformation()
    {
        using var client = _factory.ClientWithKey();
        await client.GetAsync("/healthz");
        await client.GetAsync("/readyz");
        await client.GetAsync("/fhir/metadata");
        await _factory.StopAsync();

        var requests = RequestEvents(_factory.JsonLogPath);
        Assert.Equal("Debug", requests["/healthz"]);
        Assert.Equal("Debug", requests["/readyz"]);
        Assert.Equal("Information", requests["/fhir/metadata"]);
    }

    /// <summary>The level of the request event of each route template (CLEF leaves out <c>@l</c> for Information).</summary>
    private static Dictionary<string, string> RequestEvents(string clefPath)
    {
        var levels = new Dictionary<string, string>();
        foreach (var line in File.ReadLines(clefPath))
        {
            using var logEvent = JsonDocument.Parse(line);
            var root = logEvent.RootElement;
            if (root.TryGetProperty("RouteTemplate", out var route) && root.TryGetProperty("StatusCode", out _))
            {
                levels[route.GetString()!] = root.TryGetProperty("@l", out var level) ? level.GetString()! : "Information";
            }
        }
        return levels;
    }
}
