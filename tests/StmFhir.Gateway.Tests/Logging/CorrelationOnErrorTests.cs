using System.Net;
using Microsoft.Data.Sqlite;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Logging;

/// <summary>
/// A 500 keeps the correlation id and the API headers: the store is broken for real (its table renamed under the
/// running gateway by another connection), so reads throw inside the store.
/// </summary>
public sealed class CorrelationOnErrorTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task StoreFailure_Is500Outcome_WithTheCallersCorrelationIdAndApiHeaders()
    {
        using var client = _factory.ClientWithKey();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/fhir/Patient/p1")).StatusCode);
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_factory.DataDirectory, "stmfhir.db")}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "ALTER TABLE resources RENAME TO resources_gone";
            await command.ExecuteNonQueryAsync();
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/fhir/Patient/p1");
        request.Headers.Add("X-Correlation-Id", "corr-500-test-0001");
        var response = await client.SendAsync(request);

        var outcome = await response.AssertOutcomeAsync(HttpStatusCode.InternalServerError);
        Assert.Contains("corr-500-test-0001", outcome.Diagnostics());
        Assert.Equal("corr-500-test-0001", Assert.Single(response.Headers.GetValues("X-Correlation-Id")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.True(response.Headers.CacheControl?.NoStore);
    }
}
