using System.Data.Common;

namespace StmFhir.Exchange.Store;

/// <summary>
/// Writes rows with one small parameterised statement per row, sent the cheapest way the provider offers: as one
/// <see cref="DbBatch"/> round trip where supported (Npgsql), else through one prepared command per statement
/// re-executed with new values (Microsoft.Data.Sqlite, in-process, where a prepared statement costs microseconds
/// and large multi-row statements cost more to bind than they save).
/// </summary>
internal sealed class RowWriter(DbConnection connection, DbTransaction transaction) : IAsyncDisposable
{
    private readonly DbBatch? _batch = connection.CanCreateBatch ? connection.CreateBatch() : null;
    private readonly Dictionary<string, DbCommand> _prepared = new(StringComparer.Ordinal);

    /// <summary>Queues (batch) or runs (prepared) <paramref name="sql"/>, whose parameters are <c>@p0</c>, <c>@p1</c>, ...</summary>
    public async System.Threading.Tasks.Task AddAsync(string sql, object?[] values, CancellationToken cancellationToken)
    {
        if (_batch is not null)
        {
            var command = _batch.CreateBatchCommand();
            command.CommandText = sql;
            for (var i = 0; i < values.Length; i++)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = $"p{i}";
                parameter.Value = values[i] ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }
            _batch.BatchCommands.Add(command);
            return;
        }
        if (!_prepared.TryGetValue(sql, out var prepared))
        {
            prepared = connection.Command(sql, transaction);
            for (var i = 0; i < values.Length; i++)
            {
                prepared.With($"p{i}", null);
            }
            await prepared.PrepareAsync(cancellationToken).ConfigureAwait(false);
            _prepared[sql] = prepared;
        }
        for (var i = 0; i < values.Length; i++)
        {
            prepared.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
        await prepared.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async System.Threading.Tasks.Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_batch is { BatchCommands.Count: > 0 })
        {
            _batch.Transaction = transaction;
            await _batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            _batch.BatchCommands.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _prepared.Values)
        {
            await command.DisposeAsync().ConfigureAwait(false);
        }
        if (_batch is not null)
        {
            await _batch.DisposeAsync().ConfigureAwait(false);
        }
    }
}
