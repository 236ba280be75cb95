using Microsoft.Data.Sqlite;

namespace StmFhir.Gateway.Tests.Hostile;

/// <summary>The hostile-input suite on SQLite (the default storage).</summary>
public sealed class SqliteHostileInputTests(HostileGatewayHost host) : HostileInputSuite(host), IClassFixture<HostileGatewayHost>
{
    protected override Task<IReadOnlyDictionary<string, string>> NewStorageAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string>>(new Dictionary<string, string> { ["STMFHIR_DATA_DIR"] = "{folder}/data" });

    protected override async Task ExecuteSqlAsync(HostileGateway gateway, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(gateway.Folder, "data", "stmfhir.db")};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
