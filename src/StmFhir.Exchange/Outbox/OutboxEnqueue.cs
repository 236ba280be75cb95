using System.Globalization;
using System.Text.Json;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outbox;

/// <summary>
/// Writes a commit's outbox row and its deliveries, inside the commit's transaction (called by the store through
/// <see cref="OutboxStore"/>, its extension): a change is pushed if and only if it was stored.
/// </summary>
internal static class OutboxEnqueue
{
    /// <summary>The <c>result</c> of a delivery row never sent because the data came from that target.</summary>
    internal const string OriginResult = "[]";

    /// <summary>The outbox row's id.</summary>
    public static async Task<long?> WriteAsync(CommitContext commit, CancellationToken cancellationToken)
    {
        var (connection, transaction, now) = (commit.Connection, commit.Transaction, commit.Now);
        var origin = commit.Changes.Origin;
        var payload = JsonSerializer.Serialize(new OutboxPayload(
            [.. commit.Written.Select(w => new OutboxResource(w.Type, w.Id, w.Version) { Deleted = w.IsDeleted })]), OutboxJsonContext.Default.OutboxPayload);
        long id;
        await using (var command = connection.Command(
            "INSERT INTO outbox (created_at, source, payload, traceparent) VALUES (@now, @source, @payload, @traceparent) RETURNING id", transaction)
            .With("now", now).With("source", commit.Changes.Source).With("payload", payload).With("traceparent", commit.Changes.TraceParent))
        {
            id = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }
        if (origin is not null)
        {
            // Pulled data is already at its origin: sending it back could only loop (or, where the origin assigned its
            // own ids, duplicate it there). The dispatcher never claims a delivered row.
            await using var delivered = connection.Command(
                "INSERT INTO outbox_delivery (outbox_id, target, state, attempts, next_attempt_at, updated_at, result) " +
                "VALUES (@id, @target, 'delivered', 0, @now, @now, @result)", transaction)
                .With("id", id).With("target", origin).With("now", now).With("result", OriginResult);
            await delivered.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        // Every known target gets its pending delivery now, in this transaction, so a claim finds it by index and never has
        // to look for outbox rows a target lacks (a scan that would grow with the delivered history).
        await using (var pending = connection.Command(
            "INSERT INTO outbox_delivery (outbox_id, target, state, attempts, next_attempt_at, updated_at) " +
            "SELECT @id, target, 'pending', 0, @now, @now FROM outbox_target WHERE target <> @origin", transaction)
            .With("id", id).With("now", now).With("origin", origin ?? ""))
        {
            await pending.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        return id;
    }
}
