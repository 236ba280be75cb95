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

    public override string OutboxIdColumn => "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY";

    // FOR UPDATE SKIP LOCKED (which a UNION cannot carry) lets concurrent dispatchers skip each other's rows. PostgreSQL's
    // statistics know how rare pending and in-flight rows are, and it combines both indexes (BitmapOr) for the OR.
    public override string ClaimDueRows => """
        SELECT outbox_id FROM outbox_delivery
        WHERE target = @target AND ((state = 'pending' AND next_attempt_at <= @now) OR (state = 'in_flight' AND lease_until <= @now))
        ORDER BY +outbox_id LIMIT @limit FOR UPDATE SKIP LOCKED
        """;

    // SHARE ROW EXCLUSIVE conflicts with the ROW EXCLUSIVE an INSERT INTO outbox takes, and with itself.
    public override string? OutboxTargetLock => "LOCK TABLE outbox IN SHARE ROW EXCLUSIVE MODE";

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
