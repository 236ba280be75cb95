using System.Globalization;
using System.Text.Json;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Pull;

/// <summary>
/// The pull state per target (<see cref="IPullStateStore"/>), in the resource store's database and with the same SQL for
/// both dialects; its tables are created with the store's (<see cref="IStoreExtension"/>).
/// </summary>
/// <param name="dialect">The resource store's database (shared: same connections and, in SQLite, the same writer).</param>
/// <param name="time">The clock.</param>
internal sealed class PullStateStore(StoreDialect dialect, TimeProvider time) : IPullStateStore, IStoreExtension
{
    /// <summary>
    /// <c>pull_state</c>: per target pulled from, the last pull's time, result and error; <c>pull_watermark</c>: per target
    /// and resource type scanned, the greatest <c>meta.lastUpdated</c> of a pulled page whose sessions are committed;
    /// <c>pull_failure</c>: per target and Procedure not stored, its version at the target, the issues (JSON: codes and
    /// locations) and when a pull found it, until a later pull stores it.
    /// </summary>
    public IEnumerable<string> Schema(StoreDialect database) =>
    [
        // Added after version 1; CREATE IF NOT EXISTS also adds them to an existing database, so no migration step is needed.
        """
        CREATE TABLE IF NOT EXISTS pull_state (
            target TEXT NOT NULL PRIMARY KEY, last_run_at BIGINT, last_result TEXT, last_error TEXT, updated_at BIGINT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS pull_watermark (
            target TEXT NOT NULL, resource_type TEXT NOT NULL, watermark TEXT NOT NULL, watermark_ticks BIGINT NOT NULL,
            updated_at BIGINT NOT NULL, PRIMARY KEY (target, resource_type))
        """,
        """
        CREATE TABLE IF NOT EXISTS pull_failure (
            target TEXT NOT NULL, procedure_id TEXT NOT NULL, version TEXT, issues TEXT NOT NULL, failed_at BIGINT NOT NULL,
            PRIMARY KEY (target, procedure_id))
        """,
    ];

    public async Task<PullState?> GetPullStateAsync(string target, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        return (await ReadPullStatesAsync(target, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    public Task<IReadOnlyList<PullState>> ListPullStatesAsync(CancellationToken cancellationToken = default) =>
        ReadPullStatesAsync(null, cancellationToken);

    public async Task<bool> AdvanceWatermarkAsync(string target, string resourceType, DateTimeOffset watermark, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        ArgumentException.ThrowIfNullOrEmpty(resourceType);
        var changed = await dialect.WriteAsync(async (connection, transaction) =>
        {
            // The WHERE of the upsert keeps a later watermark that a concurrent pull (another instance) stored meanwhile.
            await using var command = connection.Command("""
                INSERT INTO pull_watermark (target, resource_type, watermark, watermark_ticks, updated_at) VALUES (@target, @type, @watermark, @ticks, @now)
                ON CONFLICT (target, resource_type) DO UPDATE SET watermark = excluded.watermark, watermark_ticks = excluded.watermark_ticks, updated_at = excluded.updated_at
                WHERE pull_watermark.watermark_ticks < excluded.watermark_ticks
                """, transaction)
                .With("target", target).With("type", resourceType).With("watermark", FhirInstant.Format(watermark))
                .With("ticks", watermark.UtcTicks).With("now", Now());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return changed == 1;
    }

    public Task RecordPullAsync(PullResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        var summary = JsonSerializer.Serialize(new PullSummary(result.Counts), PullJsonContext.Default.PullSummary);
        return dialect.WriteAsync(async (connection, transaction) =>
        {
            await using (var command = connection.Command("""
                INSERT INTO pull_state (target, last_run_at, last_result, last_error, updated_at) VALUES (@target, @at, @result, @error, @now)
                ON CONFLICT (target) DO UPDATE SET last_run_at = excluded.last_run_at, last_result = excluded.last_result,
                    last_error = excluded.last_error, updated_at = excluded.updated_at
                """, transaction)
                .With("target", result.Target).With("at", result.StartedAt.ToUnixTimeMilliseconds()).With("result", summary)
                .With("error", result.Error).With("now", Now()))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            foreach (var failure in result.Failures)
            {
                await using var command = connection.Command("""
                    INSERT INTO pull_failure (target, procedure_id, version, issues, failed_at) VALUES (@target, @id, @version, @issues, @at)
                    ON CONFLICT (target, procedure_id) DO UPDATE SET version = excluded.version, issues = excluded.issues, failed_at = excluded.failed_at
                    """, transaction)
                    .With("target", result.Target).With("id", failure.ProcedureId).With("version", failure.Version)
                    .With("issues", JsonSerializer.Serialize(failure.Issues, PullJsonContext.Default.IReadOnlyListPullIssue))
                    .With("at", failure.At.ToUnixTimeMilliseconds());
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            // Few: only Procedures listed before and stored now. One statement each keeps the SQL the same in both dialects.
            foreach (var id in result.Cleared)
            {
                await using var command = connection.Command("DELETE FROM pull_failure WHERE target = @target AND procedure_id = @id", transaction)
                    .With("target", result.Target).With("id", id);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            return 0;
        }, cancellationToken);
    }

    private async Task<IReadOnlyList<PullState>> ReadPullStatesAsync(string? target, CancellationToken cancellationToken)
    {
        var filter = target is null ? "" : " WHERE target = @target";
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        var watermarks = new SortedDictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        await using (var command = connection.Command("SELECT target, resource_type, watermark FROM pull_watermark" + filter).With("target", target))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!watermarks.TryGetValue(reader.GetString(0), out var byType))
                {
                    watermarks[reader.GetString(0)] = byType = new(StringComparer.Ordinal);
                }
                byType[reader.GetString(1)] = reader.GetString(2);
            }
        }
        var runs = new Dictionary<string, (DateTimeOffset? At, PullSummary? Summary, string? Error)>(StringComparer.Ordinal);
        await using (var command = connection.Command("SELECT target, last_run_at, last_result, last_error FROM pull_state" + filter).With("target", target))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                runs[reader.GetString(0)] = (
                    reader.IsDBNull(1) ? null : DateTimeOffset.FromUnixTimeMilliseconds(ToLong(reader.GetValue(1))),
                    reader.IsDBNull(2) ? null : JsonSerializer.Deserialize(reader.GetString(2), PullJsonContext.Default.PullSummary),
                    reader.IsDBNull(3) ? null : reader.GetString(3));
            }
        }
        var failures = await ReadFailuresAsync(connection, filter, target, cancellationToken).ConfigureAwait(false);
        return [.. watermarks.Keys.Union(runs.Keys).Union(failures.Keys).Order(StringComparer.Ordinal).Select(name =>
        {
            var run = runs.GetValueOrDefault(name);
            return new PullState(name, watermarks.GetValueOrDefault(name) ?? new Dictionary<string, string>(), run.At, run.Summary?.Counts,
                failures.GetValueOrDefault(name) ?? [], run.Error);
        })];
    }

    /// <summary>Per target, its Procedures not stored, oldest first.</summary>
    private static async Task<Dictionary<string, List<PullFailure>>> ReadFailuresAsync(System.Data.Common.DbConnection connection, string filter, string? target,
        CancellationToken cancellationToken)
    {
        var failures = new Dictionary<string, List<PullFailure>>(StringComparer.Ordinal);
        await using var command = connection.Command(
            "SELECT target, procedure_id, version, issues, failed_at FROM pull_failure" + filter + " ORDER BY target, failed_at, procedure_id").With("target", target);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!failures.TryGetValue(reader.GetString(0), out var list))
            {
                failures[reader.GetString(0)] = list = [];
            }
            list.Add(new PullFailure(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                JsonSerializer.Deserialize(reader.GetString(3), PullJsonContext.Default.IReadOnlyListPullIssue) ?? [],
                DateTimeOffset.FromUnixTimeMilliseconds(ToLong(reader.GetValue(4)))));
        }
        return failures;
    }

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    private static long ToLong(object value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);
}
