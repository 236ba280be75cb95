using System.Net;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Sessions;

/// <summary>The gateway on PostgreSQL (Storage:Provider=postgresql): intake, re-send and search as on SQLite.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresIntakeTests(PostgresServer server) : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new();

    public async Task InitializeAsync()
    {
        _factory.Settings["Storage:Provider"] = "postgresql";
        _factory.Settings["Storage:ConnectionString"] = await server.NewSchemaAsync();
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Session_IsStoredRecognisedAndSearchable()
    {
        var client = _factory.ClientWithKey();

        var first = await client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text("PG-1"), "application/json"));
        var again = await client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text("PG-1"), "application/json"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var found = await (await client.GetAsync("/fhir/Procedure?identifier=PG-1")).ReadFhirAsync<Bundle>();
        Assert.Equal(1, found.Total);
        var ready = await (await _factory.CreateClient().GetAsync("/readyz")).ReadJsonAsync();
        Assert.Equal("postgresql: reachable", ready.GetProperty("database").GetString());
        Assert.False(File.Exists(Path.Combine(_factory.DataDirectory, "stmfhir.db")));
    }
}
