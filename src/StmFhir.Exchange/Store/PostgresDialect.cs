using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace StmFhir.Exchange.Store;

/// <summary>
/// PostgreSQL, for several gateway instances sharing one database. Concurrent writers of the same resource or the same
/// business identifier serialise on transaction-scoped advisory locks taken in sorted order (so they cannot deadlock on
/// each other); a conditional create therefore sees a concurrent one's row.
/// </summary>
internal sealed class PostgresDialect(string connectionString) : StoreDialect
{
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create(connectionString);

    public override string Kind => "postgresql";

    public override string ExplainPrefix => "EXPLAIN ";

    public override string IdentityKeyColumn => "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";

    public override string? SkipLocked => "FOR UPDATE SKIP LOCKED";

    public override string AddColumnIfMissing(string table, string column, string type) => $"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {type}";

    // SHARE ROW EXCLUSIVE conflicts with the ROW EXCLUSIVE an INSERT takes, and with itself.
    public override string? LockAgainstWriters(string table) => $"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE";

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);

    public override async Task LockAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return;
        }
        var hashes = keys.Select(Hash).Distinct().Order().ToArray();
        await using var command = new NpgsqlCommand(
            "SELECT pg_advisory_xact_lock(k) FROM (SELECT unnest(@keys) AS k ORDER BY 1) AS sorted",
            (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        command.Parameters.AddWithValue("keys", hashes);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override bool IsTransient(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.UniqueViolation };

    public override ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private static long Hash(string key) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(key)), 0);
}
