using System.Data.Common;
using System.Text.Json;
using StmFhir.Exchange.Sync;

namespace StmFhir.Exchange.Storage;

/// <summary>The pull state per target (<see cref="IPullStateStore"/>), in the same database and SQL for both dialects.</summary>
internal sealed partial class SqlResourceStore : IPullStateStore
{
    private const string PullColumns = "target, watermark, last_run_at, last_result, last_error";

    public async Task<PullState?> GetPullStateAsync(string target, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command($"SELECT {PullColumns} FROM pull_state WHERE target = @target").With("target", target);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadPullState(reader) : null;
    }

    public async Task<IReadOnlyList<PullState>> ListPullStatesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command($"SELECT {PullColumns} FROM pull_state ORDER BY target");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var states = new List<PullState>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            states.Add(ReadPullState(reader));
        }
        return states;
    }

    public async Task<bool> AdvanceWatermarkAsync(string target, DateTimeOffset watermark, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        var changed = await WriteAsync(async (connection, transaction) =>
        {
            // The WHERE of the upsert keeps a later watermark that a concurrent pull (another instance) stored meanwhile.
            await using var command = connection.Command("""
                INSERT INTO pull_state (target, watermark, watermark_ticks, updated_at) VALUES (@target, @watermark, @ticks, @now)
                ON CONFLICT (target) DO UPDATE SET watermark = excluded.watermark, watermark_ticks = excluded.watermark_ticks, updated_at = excluded.updated_at
                WHERE pull_state.watermark_ticks IS NULL OR pull_state.watermark_ticks < excluded.watermark_ticks
                """, transaction)
                .With("target", target).With("watermark", FhirInstant.Format(watermark)).With("ticks", watermark.UtcTicks).With("now", Now());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return changed == 1;
    }

    public Task RecordPullAsync(PullResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        var summary = JsonSerializer.Serialize(new PullSummary(result.Counts, [.. result.Failures.Take(PullSummary.MaxFailures)]),
            PullJsonContext.Default.PullSummary);
        return WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.Command("""
                INSERT INTO pull_state (target, last_run_at, last_result, last_error, updated_at) VALUES (@target, @at, @result, @error, @now)
                ON CONFLICT (target) DO UPDATE SET last_run_at = excluded.last_run_at, last_result = excluded.last_result,
                    last_error = excluded.last_error, updated_at = excluded.updated_at
                """, transaction)
                .With("target", result.Target).With("at", result.StartedAt.ToUnixTimeMilliseconds()).With("result", summary)
                .With("error", result.Error).With("now", Now());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
    }

    private static PullState ReadPullState(DbDataReader reader)
    {
        var summary = reader.IsDBNull(3) ? null : JsonSerializer.Deserialize(reader.GetString(3), PullJsonContext.Default.PullSummary);
        return new PullState(
            reader.GetString(0),
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.IsDBNull(2) ? null : DateTimeOffset.FromUnixTimeMilliseconds(ToLong(reader.GetValue(2))),
            summary?.Counts,
            summary?.Failures ?? [],
            reader.IsDBNull(4) ? null : reader.GetString(4));
    }
}
