using Npgsql;
using StmFhir.Tests.Shared;

namespace StmFhir.Gateway.Tests.Hostile;

/// <summary>The hostile-input suite on PostgreSQL (a throwaway cluster, a schema per gateway).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresHostileInputTests(PostgresServer server, HostileGatewayHost host) : HostileInputSuite(host), IClassFixture<HostileGatewayHost>
{
    protected override async Task<IReadOnlyDictionary<string, string>> NewStorageAsync() => new Dictionary<string, string>
    {
        ["Storage__Provider"] = "postgresql",
        ["Storage__ConnectionString"] = await server.NewSchemaAsync(),
    };

    protected override async Task ExecuteSqlAsync(HostileGateway gateway, string sql)
    {
        await using var connection = new NpgsqlConnection(gateway.Storage["Storage__ConnectionString"] + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
