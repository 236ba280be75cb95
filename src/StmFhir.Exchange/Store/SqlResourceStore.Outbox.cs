using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using StmFhir.Exchange.Outbox;

namespace StmFhir.Exchange.Store;

/// <summary>The outbox's delivery state (<see cref="IOutboxStore"/>), in the same database and SQL for both dialects.</summary>
internal sealed partial class SqlResourceStore : IOutboxStore
{

    private const string RowColumns =
        "d.outbox_id, d.target, d.state, d.attempts, d.next_attempt_at, d.updated_at, o.source, d.error, d.http_status, d.outcome";

    public async Task<IReadOnlyList<OutboxClaim>> ClaimAsync(string target, int limit, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(target);
        if (!_addedTargets.ContainsKey(target))
        {
            await AddOutboxTargetAsync(target, cancellationToken).ConfigureAwait(false);
        }
        var now = Now();
        var claim = Guid.NewGuid().ToString("N");
        var claimed = await WriteAsync(async (connection, transaction) =>
        {
            await using var update = connection.Command(ClaimSql, transaction)
                .With("claim", claim).With("lease", leaseUntil.ToUnixTimeMilliseconds()).With("now", now).With("target", target).With("limit", limit);
            var rows = new List<(long Id, int Attempts)>();
            await using var reader = await update.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add((ToLong(reader.GetValue(0)), (int)ToLong(reader.GetValue(1))));
            }
            return rows;
        }, cancellationToken).ConfigureAwait(false);

        if (claimed.Count == 0)
        {
            return [];
        }
        // The rows' payloads in one query (at most BatchSize, 1000, ids), not one per row.
        var claims = new List<OutboxClaim>(claimed.Count);
        var attemptsOf = claimed.ToDictionary(r => r.Id, r => r.Attempts);
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var read = connection.Command("");
        read.CommandText = "SELECT id, source, payload FROM outbox WHERE id IN (" +
            string.Join(", ", claimed.Select((r, i) => { read.With($"id{i}", r.Id); return $"@id{i}"; })) + ") ORDER BY id";
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = ToLong(reader.GetValue(0));
            var payload = JsonSerializer.Deserialize(reader.GetString(2), OutboxJsonContext.Default.OutboxPayload) ?? new OutboxPayload([]);
            claims.Add(new OutboxClaim(id, target, claim, attemptsOf[id], reader.GetString(1), payload));
        }
        return claims;
    }

    public async Task<bool> RenewAsync(OutboxClaim claim, DateTimeOffset leaseUntil, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var changed = await WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.Command(
                "UPDATE outbox_delivery SET lease_until = @lease WHERE outbox_id = @id AND target = @target AND claim = @claim AND state = 'in_flight'", transaction)
                .With("lease", leaseUntil.ToUnixTimeMilliseconds()).With("id", claim.OutboxId).With("target", claim.Target).With("claim", claim.Claim);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return changed == 1;
    }

    public Task<bool> MarkDeliveredAsync(OutboxClaim claim, IReadOnlyList<OutboxDeliveredResource> resources, CancellationToken cancellationToken = default) =>
        FinishAsync(claim, "state = 'delivered', result = @result, error = NULL, http_status = NULL, outcome = NULL",
            c => c.With("result", JsonSerializer.Serialize(resources, OutboxJsonContext.Default.IReadOnlyListOutboxDeliveredResource)), cancellationToken);

    public async Task<IReadOnlyList<bool>> MarkDeliveredAsync(IReadOnlyList<(OutboxClaim Claim, IReadOnlyList<OutboxDeliveredResource> Resources)> deliveries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        if (deliveries.Count == 0)
        {
            return [];
        }
        return await WriteAsync<IReadOnlyList<bool>>(async (connection, transaction) =>
        {
            var recorded = new List<bool>(deliveries.Count);
            foreach (var (claim, resources) in deliveries)
            {
                ArgumentNullException.ThrowIfNull(claim);
                await using var command = connection.Command(
                    "UPDATE outbox_delivery SET state = 'delivered', result = @result, error = NULL, http_status = NULL, outcome = NULL, " +
                    "claim = NULL, lease_until = NULL, updated_at = @now " +
                    "WHERE outbox_id = @id AND target = @target AND claim = @claim AND state = 'in_flight'", transaction)
                    .With("result", JsonSerializer.Serialize(resources, OutboxJsonContext.Default.IReadOnlyListOutboxDeliveredResource))
                    .With("now", Now()).With("id", claim.OutboxId).With("target", claim.Target).With("claim", claim.Claim);
                recorded.Add(await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1);
            }
            return recorded;
        }, cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> RescheduleAsync(OutboxClaim claim, DateTimeOffset nextAttemptAt, string message, CancellationToken cancellationToken = default) =>
        FinishAsync(claim, "state = 'pending', next_attempt_at = @next, error = @error",
            c => c.With("next", nextAttemptAt.ToUnixTimeMilliseconds()).With("error", message), cancellationToken);

    public Task<bool> DeadLetterAsync(OutboxClaim claim, string message, int? httpStatus, string? outcomeJson, CancellationToken cancellationToken = default) =>
        FinishAsync(claim, "state = 'dead', error = @error, http_status = @status, outcome = @outcome",
            c => c.With("error", message).With("status", httpStatus).With("outcome", outcomeJson), cancellationToken);

    public Task<int> ReplayAsync(long outboxId, string? target = null, CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.Command(
                "UPDATE outbox_delivery SET state = 'pending', next_attempt_at = @now, updated_at = @now, attempts = 0, claim = NULL, lease_until = NULL " +
                "WHERE state = 'dead' AND outbox_id = @id" + (target is null ? "" : " AND target = @target"), transaction)
                .With("now", Now()).With("id", outboxId);
            if (target is not null)
            {
                command.With("target", target);
            }
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<int> ReplayAllDeadAsync(CancellationToken cancellationToken = default) =>
        WriteAsync(async (connection, transaction) =>
        {
            await using var command = connection.Command(
                "UPDATE outbox_delivery SET state = 'pending', next_attempt_at = @now, updated_at = @now, attempts = 0, claim = NULL, lease_until = NULL " +
                "WHERE state = 'dead'", transaction).With("now", Now());
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public async Task<IReadOnlyList<OutboxTargetCounts>> CountAsync(IReadOnlyCollection<string>? targets = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        var counts = new SortedDictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        await using (var command = connection.Command("SELECT target, state, COUNT(*) FROM outbox_delivery GROUP BY target, state ORDER BY target"))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var target = reader.GetString(0);
                if (!counts.TryGetValue(target, out var states))
                {
                    counts[target] = states = [];
                }
                states[reader.GetString(1)] = (int)ToLong(reader.GetValue(2));
            }
        }
        var added = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = connection.Command("SELECT target FROM outbox_target"))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                added.Add(reader.GetString(0));
            }
        }
        foreach (var target in targets ?? [])
        {
            if (!counts.TryGetValue(target, out var states))
            {
                counts[target] = states = [];
            }
            if (added.Contains(target))
            {
                continue;
            }
            // Not added yet (no dispatcher has started for it): every row it lacks will be backfilled, so counts as pending.
            // Only this count reads the whole outbox, and only until the target is added.
            await using var waiting = connection.Command(
                "SELECT COUNT(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM outbox_delivery d WHERE d.outbox_id = o.id AND d.target = @target)")
                .With("target", target);
            var unclaimed = (int)ToLong(await waiting.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0L);
            states[OutboxStates.Pending] = states.GetValueOrDefault(OutboxStates.Pending) + unclaimed;
        }
        return [.. counts.Select(c => new OutboxTargetCounts(c.Key,
            c.Value.GetValueOrDefault(OutboxStates.Pending), c.Value.GetValueOrDefault(OutboxStates.InFlight),
            c.Value.GetValueOrDefault(OutboxStates.Delivered), c.Value.GetValueOrDefault(OutboxStates.Dead)))];
    }

    public async Task<IReadOnlyList<OutboxDeliveryRow>> ListAsync(string? state = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(
            $"SELECT {RowColumns} FROM outbox_delivery d JOIN outbox o ON o.id = d.outbox_id " +
            (state is null ? "" : "WHERE d.state = @state ") + "ORDER BY d.outbox_id, d.target LIMIT @limit")
            .With("limit", limit);
        if (state is not null)
        {
            command.With("state", state);
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<OutboxDeliveryRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new OutboxDeliveryRow(
                ToLong(reader.GetValue(0)), reader.GetString(1), reader.GetString(2), (int)ToLong(reader.GetValue(3)),
                DateTimeOffset.FromUnixTimeMilliseconds(ToLong(reader.GetValue(4))), DateTimeOffset.FromUnixTimeMilliseconds(ToLong(reader.GetValue(5))),
                reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : (int)ToLong(reader.GetValue(8)),
                reader.IsDBNull(9) ? null : reader.GetString(9)));
        }
        return rows;
    }

    public async Task<OutboxEntry?> GetAsync(long outboxId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        (string Source, long CreatedAt, string Payload) row;
        await using (var command = connection.Command("SELECT source, created_at, payload FROM outbox WHERE id = @id").With("id", outboxId))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
            row = (reader.GetString(0), ToLong(reader.GetValue(1)), reader.GetString(2));
        }
        var deliveries = new List<OutboxTargetDelivery>();
        await using (var command = connection.Command(
            "SELECT target, state, attempts, next_attempt_at, lease_until, updated_at, error, http_status, result " +
            "FROM outbox_delivery WHERE outbox_id = @id ORDER BY target").With("id", outboxId))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var results = reader.IsDBNull(8) ? null : JsonSerializer.Deserialize(reader.GetString(8), OutboxJsonContext.Default.IReadOnlyListOutboxDeliveredResource);
                deliveries.Add(new OutboxTargetDelivery(
                    reader.GetString(0), reader.GetString(1), (int)ToLong(reader.GetValue(2)), At(ToLong(reader.GetValue(3))),
                    reader.IsDBNull(4) ? null : At(ToLong(reader.GetValue(4))), At(ToLong(reader.GetValue(5))),
                    reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : (int)ToLong(reader.GetValue(7)), results ?? []));
            }
        }
        var payload = JsonSerializer.Deserialize(row.Payload, OutboxJsonContext.Default.OutboxPayload);
        return new OutboxEntry(outboxId, row.Source, At(row.CreatedAt), payload?.Resources ?? [], deliveries);
    }

    private static DateTimeOffset At(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);

    private async Task<bool> FinishAsync(OutboxClaim claim, string set, Func<DbCommand, DbCommand> parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var changed = await WriteAsync(async (connection, transaction) =>
        {
            await using var command = parameters(connection.Command(
                $"UPDATE outbox_delivery SET {set}, claim = NULL, lease_until = NULL, updated_at = @now " +
                "WHERE outbox_id = @id AND target = @target AND claim = @claim AND state = 'in_flight'", transaction))
                .With("now", Now()).With("id", claim.OutboxId).With("target", claim.Target).With("claim", claim.Claim);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return changed == 1;
    }

    private async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> write, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var writer = await dialect.EnterWriterAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    await using var transaction = await dialect.BeginWriteAsync(writer.Connection, cancellationToken).ConfigureAwait(false);
                    var result = await write(writer.Connection, transaction).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return result;
                }
                catch (Exception e) when (e is not (StoreRejectedException or OperationCanceledException))
                {
                    writer.Discard();
                    throw;
                }
            }
            catch (Exception e) when (attempt < MaxAttempts && dialect.IsTransient(e))
            {
                // Two dispatchers enqueued the same row at once; the loser runs again and finds it.
            }
        }
    }

    private long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();

    private static long ToLong(object value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);
}
