using System.Globalization;
using System.Text.Json;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outbox;

/// <summary>
/// Reports on the outbox for status pages and the command line (<see cref="IOutboxStore.ListAsync"/>,
/// <see cref="IOutboxStore.GetAsync"/>; the counts are <see cref="OutboxCounting"/>'s): reads only, never a change of state.
/// </summary>
internal static class OutboxReads
{
    private const string RowColumns =
        "d.outbox_id, d.target, d.state, d.attempts, d.next_attempt_at, d.updated_at, o.source, d.error, d.http_status, d.outcome";

    /// <summary>
    /// The rows in <paramref name="state"/> (all without one). For an open state the literal <c>state &lt;&gt; 'delivered'</c>
    /// lets the planner read the open rows' partial index (<c>ix_outbox_delivery_open</c>): listing the dead letters for
    /// a status page then costs what the queue holds, not the delivered history.
    /// </summary>
    internal static string ListSql(string? state) =>
        $"SELECT {RowColumns} FROM outbox_delivery d JOIN outbox o ON o.id = d.outbox_id " + state switch
        {
            null => "",
            OutboxStates.Delivered => "WHERE d.state = @state ",
            _ => "WHERE d.state <> 'delivered' AND d.state = @state ",
        } + "ORDER BY d.outbox_id, d.target LIMIT @limit";

    public static async Task<IReadOnlyList<OutboxDeliveryRow>> ListAsync(StoreDialect dialect, string? state, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(ListSql(state)).With("limit", limit);
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

    public static async Task<OutboxEntry?> GetAsync(StoreDialect dialect, long outboxId, CancellationToken cancellationToken)
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

    /// <summary>Every outbox row, oldest first (for tests: what the commits wrote).</summary>
    internal static async Task<IReadOnlyList<(long Id, string Source, string Payload)>> RowsAsync(StoreDialect dialect, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command("SELECT id, source, payload FROM outbox ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<(long, string, string)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add((ToLong(reader.GetValue(0)), reader.GetString(1), reader.GetString(2)));
        }
        return rows;
    }

    private static DateTimeOffset At(long unixMilliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds);

    private static long ToLong(object value) => Convert.ToInt64(value, CultureInfo.InvariantCulture);
}
