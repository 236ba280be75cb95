using System.Net;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Security;

/// <summary><c>STMFHIR_API_KEY</c> adds a read-write key to the configured ones.</summary>
public sealed class EnvironmentKeyTests : IAsyncLifetime
{
    private const string Key = "key-from-the-environment-123";
    private readonly GatewayFactory _factory = new();

    public Task InitializeAsync()
    {
        // Environment variables reach the app as configuration keys of the same name; this is that same key.
        _factory.Settings["STMFHIR_API_KEY"] = Key;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task TheEnvironmentKey_IsAcceptedNextToTheConfiguredOnes()
    {
        Assert.Equal(HttpStatusCode.OK, (await _factory.ClientWithKey(Key).GetAsync("/fhir/Patient")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _factory.ClientWithKey().GetAsync("/fhir/Patient")).StatusCode);
    }
}
