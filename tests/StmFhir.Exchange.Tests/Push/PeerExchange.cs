using System.Text.Json;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Targets;
using StmFhir.Exchange.Tests.Peer;

namespace StmFhir.Exchange.Tests.Push;

/// <summary>
/// The exchange services, registered as the gateway registers them, with one target: the test peer. Retries are fast
/// (tens of milliseconds, except where the peer sends Retry-After) so fault tests stay short.
/// </summary>
internal sealed class PeerExchange : IDisposable
{
    public const string Target = "peer";

    private readonly ServiceProvider _services;

    public PeerExchange(PeerFhirServer peer, Action<FhirTargetOptions>? configure = null)
    {
        var target = new FhirTargetOptions
        {
            Name = Target,
            BaseUrl = peer.BaseUrl,
            Resilience = new FhirTargetResilienceOptions
            {
                MaxRetryAttempts = 8,
                RetryDelay = TimeSpan.FromMilliseconds(20),
                MaxRetryDelay = TimeSpan.FromSeconds(2),
                AttemptTimeout = TimeSpan.FromSeconds(10),
                TotalTimeout = TimeSpan.FromSeconds(60),
                CircuitBreakerSamplingDuration = TimeSpan.FromSeconds(30),
                CircuitBreakerMinimumThroughput = 100,
            },
        };
        configure?.Invoke(target);
        _services = new ServiceCollection().AddFhirExchange(new ExchangeOptions { Targets = [target] }).BuildServiceProvider();
        Peer = peer;
    }

    public PeerFhirServer Peer { get; }

    public IFhirDeliverer Deliverer => _services.GetRequiredService<IFhirDeliverer>();

    public IFhirTargets Targets => _services.GetRequiredService<IFhirTargets>();

    public Task<DeliveryResult> DeliverAsync(Bundle bundle, string? sourceId = null) =>
        Deliverer.DeliverAsync(new DeliveryRequest(Target, bundle) { SourceId = sourceId });

    public Task<DeliveryResult> DeliverAsync(StmSession session) => DeliverAsync(StmBundleMapper.ToBundle(session), session.SessionId);

    /// <summary>What the peer holds with this identifier, found by searching it (not from our own records).</summary>
    public async Task<List<Resource>> SearchAsync(string type, string system, string value)
    {
        using var client = Peer.CreateClient();
        var json = await client.GetStringAsync($"{type}?identifier={Uri.EscapeDataString($"{system}|{value}")}&_count=100");
        return [.. FhirJson.Deserialize<Bundle>(json).Entry.Select(e => e.Resource!)];
    }

    /// <summary>The Procedures at the peer with the session's identifier.</summary>
    public Task<List<Resource>> ProceduresAsync(StmSession session) => SearchAsync("Procedure", session.SourceSystem, session.SessionId);

    public async Task<int> PeerCountAsync(string type)
    {
        using var stats = await Peer.GetStatsAsync();
        return stats.RootElement.GetProperty("resources").TryGetProperty(type, out var count) ? count.GetInt32() : 0;
    }

    public async Task<JsonElement> FaultsInjectedAsync()
    {
        using var stats = await Peer.GetStatsAsync();
        return stats.RootElement.GetProperty("faultsInjected").Clone();
    }

    public void Dispose() => _services.Dispose();
}
