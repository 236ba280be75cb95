using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using StmFhir.Exchange.Targets;
using StmFhir.Exchange.Tests.Peer;
using StmFhir.Exchange.Tests.Push;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Targets;

/// <summary>Reading and recording what a target supports, and the HTTP pipeline's retry rules, against the real peer.</summary>
[Collection(PeerCollection.Name)]
public sealed class CapabilityProbeTests(PeerFhirServer peer) : IAsyncLifetime
{
    public Task InitializeAsync() => peer.ResetAsync();

    public Task DisposeAsync() => peer.ResetAsync();

    [Fact]
    public async Task ProbeRecordsR4TransactionBatchConditionalInteractionsAndClientIds()
    {
        using var exchange = new PeerExchange(peer);
        Assert.Null(exchange.Targets.RecordedCapabilities(PeerExchange.Target));

        var capabilities = await exchange.Targets.ProbeAsync(PeerExchange.Target);

        Assert.Equal("4.0.1", capabilities.FhirVersion);
        Assert.True(capabilities.IsR4 && capabilities.Transaction && capabilities.Batch);
        Assert.True(capabilities.AcceptsClientIds("Procedure"));
        Assert.True(capabilities.SupportsConditionalCreate("Patient"));
        Assert.True(capabilities.SupportsConditionalUpdate("Observation"));
        Assert.True(capabilities.SupportsVersionedUpdate("Observation"));
        Assert.Same(capabilities, exchange.Targets.RecordedCapabilities(PeerExchange.Target));
    }

    [Fact]
    public async Task ProbeSeesATargetWithoutVersionAwareUpdates()
    {
        await peer.ConfigureAsync("""{"versionedUpdate":false}""");
        using var exchange = new PeerExchange(peer);

        var capabilities = await exchange.Targets.GetCapabilitiesAsync(PeerExchange.Target);

        Assert.False(capabilities.SupportsVersionedUpdate("Procedure"));
        Assert.True(capabilities.AcceptsClientIds("Procedure"));
    }

    [Fact]
    public async Task ProbeSeesATargetThatAssignsItsOwnIds()
    {
        await peer.ConfigureAsync("""{"updateCreate":false}""");
        using var exchange = new PeerExchange(peer);

        var capabilities = await exchange.Targets.GetCapabilitiesAsync(PeerExchange.Target);

        Assert.False(capabilities.AcceptsClientIds("Procedure"));
        Assert.True(capabilities.SupportsConditionalUpdate("Procedure"));
    }

    [Fact]
    public async Task ThrottledProbeWaitsForRetryAfterAndThenSucceeds()
    {
        await peer.SetFaultsAsync("""{"steps":[{"kind":"status","status":429,"retryAfter":1,"times":1},{"kind":"status","status":500,"times":1}]}""");
        using var exchange = new PeerExchange(peer);
        var started = TimeProvider.System.GetTimestamp();

        await exchange.Targets.ProbeAsync(PeerExchange.Target);

        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromSeconds(1));
        var injected = await exchange.FaultsInjectedAsync();
        Assert.Equal(1, injected.GetProperty("status:429").GetInt32());
        Assert.Equal(1, injected.GetProperty("status:500").GetInt32());
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    public async Task ClientErrorIsNotRetriedAndIsPermanent(int status)
    {
        await peer.SetFaultsAsync($$"""{"steps":[{"kind":"status","status":{{status}},"times":5}]}""");
        using var exchange = new PeerExchange(peer);

        var error = await Assert.ThrowsAsync<FhirTargetUnavailableException>(() => exchange.Targets.ProbeAsync(PeerExchange.Target));

        Assert.False(error.IsTransient);
        Assert.Equal(status, error.HttpStatus);
        Assert.Equal(1, (await exchange.FaultsInjectedAsync()).GetProperty($"status:{status}").GetInt32());
    }

    [Fact]
    public async Task UnreachableTargetIsTransient()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now: connections are refused
        using var services = new ServiceCollection().AddFhirExchange(new ExchangeOptions
        {
            Targets = [new FhirTargetOptions { Name = "gone", BaseUrl = new Uri($"http://127.0.0.1:{port}/fhir"), Resilience = new() { MaxRetryAttempts = 1, RetryDelay = TimeSpan.FromMilliseconds(10) } }],
        }).BuildServiceProvider();

        var error = await Assert.ThrowsAsync<FhirTargetUnavailableException>(() => services.GetRequiredService<IFhirTargets>().ProbeAsync("gone"));

        Assert.True(error.IsTransient);
        Assert.Null(error.HttpStatus);
    }
}
