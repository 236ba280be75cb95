using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Conflicts;

/// <summary>
/// What the gateway last agreed with each target per resource, and the conflicts (<see cref="IConflictStore"/>), in the
/// resource store's database with the same SQL for both dialects; its tables are created with the store's
/// (<see cref="IStoreExtension"/>). The outbox writes the versions a delivery left in the transaction that marks it
/// delivered, and pull writes those of a session it stored, so the next update can carry <c>If-Match</c> and the next
/// pull can tell a change at the target from an old version.
/// </summary>
/// <param name="dialect">The resource store's database.</param>
/// <param name="time">The clock.</param>
internal sealed class ConflictStore(StoreDialect dialect, TimeProvider time) : IConflictStore, IStoreExtension
{
    // Rows per multi-row upsert: 7 parameters each, far below SQLite's and PostgreSQL's limits.
    private const int RowsPerStatement = 100;

    private const string Columns = "id, target, detected_by, detected_at, state, resolution, resolved_at, procedure_id, target_procedure_id, outbox_id, resources";

    /// <summary>
    /// <c>target_version</c>: per target and local resource, the target's id and version and our version when the two
    /// last agreed (a delivery's answer, or a pulled version stored); <c>exchange_conflict</c>: the conflicts.
    /// </summary>
    public IEnumerable<string> Schema(StoreDialect database) =>
    [
        // Added after version 1; CREATE IF NOT EXISTS also adds them to an existing database, so no migration step is needed.
        """
        CREATE TABLE IF NOT EXISTS target_version (
            target TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, target_id TEXT NOT NULL, target_version TEXT NOT NULL,
            local_version INTEGER NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (target, type, id))
        """,
        $"""
        CREATE TABLE IF NOT EXISTS exchange_conflict (
            {database.IdentityKeyColumn}, target TEXT NOT NULL, detected_by TEXT NOT NULL, detected_at BIGINT NOT NULL, state TEXT NOT NULL,
            resolution TEXT, resolved_at BIGINT, procedure_id TEXT, target_procedure_id TEXT, outbox_id BIGINT, resources TEXT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS ix_exchange_conflict_state ON exchange_conflict (target, state, id)",
    ];

    public async Task<IReadOnlyList<ExchangeConflict>> ListAsync(string? target = null, bool includeResolved = false, int limit = 1000, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        var where = new List<string>();
        if (target is not null)
        {
            where.Add("target = @target");
        }
        if (!includeResolved)
        {
            where.Add("state <> 'resolved'");
        }
        await using var command = connection.Command(
            $"SELECT {Columns} FROM exchange_conflict" + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY id LIMIT @limit")
            .With("target", target).With("limit", limit);
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ExchangeConflict?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await GetAsync(connection, null, id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One conflict read inside a transaction (or on its own), or null.</summary>
    internal static async Task<ExchangeConflict?> GetAsync(DbConnection connection, DbTransaction? transaction, long id, CancellationToken cancellationToken)
    {
        await using var command = connection.Command($"SELECT {Columns} FROM exchange_conflict WHERE id = @id", transaction).With("id", id);
        return (await ReadAsync(command, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <summary>What was last agreed with <paramref name="target"/> for each of <paramref name="keys"/> that has a record.</summary>
    internal async Task<Dictionary<(string Type, string Id), SyncedVersion>> ReadVersionsAsync(string target, IReadOnlyCollection<(string Type, string Id)> keys,
        CancellationToken cancellationToken)
    {
        var found = new Dictionary<(string Type, string Id), SyncedVersion>();
        if (keys.Count == 0)
        {
            return found;
        }
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var chunk in keys.Distinct().Chunk(500))
        {
            await using var command = connection.Command("");
            command.CommandText = "SELECT type, id, target_id, target_version, local_version FROM target_version WHERE target = @target AND ("
                + DbCommands.ByTypeAndId(command.With("target", target), [.. chunk]) + ")";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found[(reader.GetString(0), reader.GetString(1))] = new SyncedVersion(reader.GetString(2), reader.GetString(3), ToInt(reader.GetValue(4)));
            }
        }
        return found;
    }

    /// <summary>Records what <paramref name="target"/> and this store now agree on, in its own transaction.</summary>
    internal Task RecordVersionsAsync(string target, IReadOnlyList<SyncRow> rows, CancellationToken cancellationToken) =>
        rows.Count == 0 ? Task.CompletedTask : dialect.WriteAsync(async (connection, transaction) =>
        {
            await WriteVersionsAsync(connection, transaction, target, rows, Now(), cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    /// <summary>Upserts agreed versions inside a caller's transaction (the outbox's, when it marks deliveries delivered).</summary>
    internal static async Task WriteVersionsAsync(DbConnection connection, DbTransaction transaction, string target, IEnumerable<SyncRow> rows, long now,
        CancellationToken cancellationToken)
    {
        // One row per key (PostgreSQL refuses an upsert that touches a row twice); the last one wins.
        var distinct = rows.GroupBy(r => (r.Type, r.Id)).Select(g => g.Last()).ToList();
        foreach (var chunk in distinct.Chunk(RowsPerStatement))
        {
            await using var command = connection.Command("", transaction).With("target", target).With("now", now);
            var values = chunk.Select((row, i) =>
            {
                command.With($"t{i}", row.Type).With($"i{i}", row.Id).With($"ti{i}", row.TargetId).With($"tv{i}", row.TargetVersion).With($"lv{i}", row.LocalVersion);
                return $"(@target, @t{i}, @i{i}, @ti{i}, @tv{i}, @lv{i}, @now)";
            });
            command.CommandText = "INSERT INTO target_version (target, type, id, target_id, target_version, local_version, updated_at) VALUES "
                + string.Join(", ", values)
                + " ON CONFLICT (target, type, id) DO UPDATE SET target_id = excluded.target_id, target_version = excluded.target_version, "
                + "local_version = excluded.local_version, updated_at = excluded.updated_at";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Records a conflict in its own transaction; its id.</summary>
    internal Task<long> AddAsync(NewConflict conflict, CancellationToken cancellationToken) =>
        dialect.WriteAsync((connection, transaction) => InsertAsync(connection, transaction, conflict, Now(), cancellationToken), cancellationToken);

    /// <summary>Records a conflict inside a caller's transaction; its id.</summary>
    internal static async Task<long> InsertAsync(DbConnection connection, DbTransaction transaction, NewConflict conflict, long now, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            "INSERT INTO exchange_conflict (target, detected_by, detected_at, state, resolution, resolved_at, procedure_id, target_procedure_id, outbox_id, resources) " +
            "VALUES (@target, @by, @now, @state, @resolution, @resolvedAt, @procedure, @targetProcedure, @outbox, @resources) RETURNING id", transaction)
            .With("target", conflict.Target).With("by", conflict.DetectedBy).With("now", now).With("state", conflict.State)
            .With("resolution", conflict.Resolution).With("resolvedAt", conflict.Resolution is null ? null : now)
            .With("procedure", conflict.ProcedureId).With("targetProcedure", conflict.TargetProcedureId).With("outbox", conflict.OutboxId)
            .With("resources", JsonSerializer.Serialize(conflict.Resources, ConflictJsonContext.Default.IReadOnlyListConflictResource));
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>Moves a conflict to <paramref name="state"/> inside a caller's transaction; false when it was not in one of <paramref name="from"/>.</summary>
    internal static async Task<bool> SetStateAsync(DbConnection connection, DbTransaction transaction, long id, string[] from, string state, string? resolution, long now,
        CancellationToken cancellationToken)
    {
        await using var command = connection.Command("", transaction).With("id", id).With("state", state).With("resolution", resolution).With("now", now);
        command.CommandText = "UPDATE exchange_conflict SET state = @state, resolution = COALESCE(@resolution, resolution), resolved_at = @now WHERE id = @id AND state IN ("
            + string.Join(", ", from.Select((s, i) => { command.With($"from{i}", s); return $"@from{i}"; })) + ")";
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Marks a conflict waiting for the target's version resolved, once a pull stored that version.</summary>
    internal Task<bool> MarkTheirsStoredAsync(long id, CancellationToken cancellationToken) =>
        dialect.WriteAsync((connection, transaction) =>
            SetStateAsync(connection, transaction, id, [ConflictStates.Theirs], ConflictStates.Resolved, ConflictSides.Theirs, Now(), cancellationToken), cancellationToken);

    private static async Task<IReadOnlyList<ExchangeConflict>> ReadAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var conflicts = new List<ExchangeConflict>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            conflicts.Add(new ExchangeConflict(
                Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), reader.GetString(1), reader.GetString(2), Time(reader.GetValue(3)),
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : Time(reader.GetValue(6)),
                reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : Convert.ToInt64(reader.GetValue(9), CultureInfo.InvariantCulture),
                JsonSerializer.Deserialize(reader.GetString(10), ConflictJsonContext.Default.IReadOnlyListConflictResource) ?? []));
        }
        return conflicts;
    }

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    private static DateTimeOffset Time(object value) => DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(value, CultureInfo.InvariantCulture));

    private static int ToInt(object value) => Convert.ToInt32(value, CultureInfo.InvariantCulture);
}

/// <summary>What a target and this store last agreed on for one resource.</summary>
/// <param name="TargetId">The resource's id at the target.</param>
/// <param name="TargetVersion">The target's version then.</param>
/// <param name="LocalVersion">Our version then.</param>
internal sealed record SyncedVersion(string TargetId, string TargetVersion, int LocalVersion);

/// <summary>One agreed version to record.</summary>
internal sealed record SyncRow(string Type, string Id, string TargetId, string TargetVersion, int LocalVersion);

/// <summary>A conflict to record.</summary>
internal sealed record NewConflict(string Target, string DetectedBy, string State, string? Resolution, string? ProcedureId, string? TargetProcedureId, long? OutboxId,
    IReadOnlyList<ConflictResource> Resources);

[JsonSerializable(typeof(IReadOnlyList<ConflictResource>))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class ConflictJsonContext : JsonSerializerContext;
