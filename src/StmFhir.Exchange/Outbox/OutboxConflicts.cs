using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using StmFhir.Exchange.Conflicts;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outbox;

/// <summary>
/// The outbox's side of conflicts (<c>Conflicts/CONFLICTS.md</c>): a delivery held by a conflict (state
/// <c>conflict</c>, linked in <c>outbox_hold</c>), one marked delivered unsent because the target's version won, and
/// resolving a conflict, each in one transaction with the conflict's own rows.
/// </summary>
internal static class OutboxConflicts
{
    /// <summary>The <c>result</c> of a delivery never sent because the target's version won its conflict.</summary>
    internal const string SupersededResult = "[]";

    /// <summary>
    /// Holds a claimed delivery under a conflict: <paramref name="conflict"/> recorded first (null: the existing
    /// <paramref name="conflictId"/>). The conflict's id, or null when the claim was lost.
    /// </summary>
    public static Task<long?> HoldAsync(StoreDialect dialect, long now, OutboxClaim claim, NewConflict? conflict, long conflictId, string message, int? httpStatus,
        CancellationToken cancellationToken) =>
        dialect.WriteAsync<long?>(async (connection, transaction) =>
        {
            if (!await FinishClaimAsync(connection, transaction, claim, OutboxStates.Conflict, message, httpStatus, now, cancellationToken).ConfigureAwait(false))
            {
                // Another dispatcher took the row: it finds the conflict itself.
                return null;
            }
            var id = conflict is null ? conflictId : await ConflictStore.InsertAsync(connection, transaction, conflict, now, cancellationToken).ConfigureAwait(false);
            await using var hold = connection.Command(
                "INSERT INTO outbox_hold (outbox_id, target, conflict_id) VALUES (@id, @target, @conflict) ON CONFLICT (outbox_id, target) DO UPDATE SET conflict_id = excluded.conflict_id",
                transaction).With("id", claim.OutboxId).With("target", claim.Target).With("conflict", id);
            await hold.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return id;
        }, cancellationToken);

    /// <summary>
    /// Marks a claimed delivery delivered without sending it, because the target's version wins the session
    /// (<paramref name="conflict"/> recorded first when given); false when the claim was lost.
    /// </summary>
    public static Task<bool> SupersedeAsync(StoreDialect dialect, long now, OutboxClaim claim, NewConflict? conflict, string message, CancellationToken cancellationToken) =>
        dialect.WriteAsync(async (connection, transaction) =>
        {
            if (!await FinishClaimAsync(connection, transaction, claim, OutboxStates.Delivered, message, null, now, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
            if (conflict is not null)
            {
                await ConflictStore.InsertAsync(connection, transaction, conflict, now, cancellationToken).ConfigureAwait(false);
            }
            return true;
        }, cancellationToken);

    /// <summary>See <see cref="IOutboxStore.ResolveConflictAsync"/>.</summary>
    public static Task<ConflictResolution> ResolveAsync(StoreDialect dialect, long now, long conflictId, string side, CancellationToken cancellationToken) =>
        dialect.WriteAsync(async (connection, transaction) =>
        {
            if (await ConflictStore.GetAsync(connection, transaction, conflictId, cancellationToken).ConfigureAwait(false) is not { } conflict)
            {
                return new ConflictResolution(false, false, 0, null);
            }
            var ours = side == ConflictSides.Ours;
            if (!await ConflictStore.SetStateAsync(connection, transaction, conflictId, [ConflictStates.Open],
                ours ? ConflictStates.Resolved : ConflictStates.Theirs, side, now, cancellationToken).ConfigureAwait(false))
            {
                return new ConflictResolution(true, false, 0, null);
            }
            if (ours)
            {
                // The target's versions now are what our update expects: it goes over them, and a third change meanwhile is a new conflict.
                await ConflictStore.WriteVersionsAsync(connection, transaction, conflict.Target, conflict.Resources
                    .Where(r => r.TargetId is not null && r.TargetVersion is not null)
                    .Select(r => new SyncRow(r.ResourceType, r.Id, r.TargetId!, r.TargetVersion!, r.SyncedLocalVersion ?? 0)), now, cancellationToken).ConfigureAwait(false);
            }
            var released = await ReleaseAsync(connection, transaction, conflict, ours, now, cancellationToken).ConfigureAwait(false);
            var added = ours && released == 0 ? await EnqueueAsync(connection, transaction, conflict, now, cancellationToken).ConfigureAwait(false) : (long?)null;
            return new ConflictResolution(true, true, released, added);
        }, cancellationToken);

    // The conflict's held deliveries: back to pending (ours), or delivered unsent (theirs).
    private static async Task<int> ReleaseAsync(DbConnection connection, DbTransaction transaction, ExchangeConflict conflict, bool ours, long now,
        CancellationToken cancellationToken)
    {
        var set = ours
            ? "state = 'pending', next_attempt_at = @now, attempts = 0, error = NULL, http_status = NULL"
            : $"state = 'delivered', result = '{SupersededResult}', error = @note";
        await using var release = connection.Command(
            $"UPDATE outbox_delivery SET {set}, updated_at = @now WHERE target = @target AND state = 'conflict' " +
            "AND outbox_id IN (SELECT outbox_id FROM outbox_hold WHERE conflict_id = @conflict AND target = @target)", transaction)
            .With("now", now).With("target", conflict.Target).With("conflict", conflict.Id)
            .With("note", $"not sent: the target's version won conflict {conflict.Id.ToString(CultureInfo.InvariantCulture)}");
        var released = await release.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await using var unlink = connection.Command("DELETE FROM outbox_hold WHERE conflict_id = @conflict", transaction).With("conflict", conflict.Id);
        await unlink.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return released;
    }

    // A row that delivers the conflict's resources (at their current versions, as every row) to the conflict's target only.
    private static async Task<long> EnqueueAsync(DbConnection connection, DbTransaction transaction, ExchangeConflict conflict, long now, CancellationToken cancellationToken)
    {
        var payload = JsonSerializer.Serialize(new OutboxPayload(
            [.. conflict.Resources.Where(r => r.LocalVersion is not null).Select(r => new OutboxResource(r.ResourceType, r.Id, r.LocalVersion!.Value))]),
            OutboxJsonContext.Default.OutboxPayload);
        long id;
        await using (var insert = connection.Command("INSERT INTO outbox (created_at, source, payload) VALUES (@now, @source, @payload) RETURNING id", transaction)
            .With("now", now).With("source", "conflict:" + conflict.Id.ToString(CultureInfo.InvariantCulture)).With("payload", payload))
        {
            id = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }
        // Only this target needs it; a target added later backfills it too, which delivers the same content unchanged.
        await using var delivery = connection.Command(
            "INSERT INTO outbox_delivery (outbox_id, target, state, attempts, next_attempt_at, updated_at) VALUES (@id, @target, 'pending', 0, @now, @now)", transaction)
            .With("id", id).With("target", conflict.Target).With("now", now);
        await delivery.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return id;
    }

    private static async Task<bool> FinishClaimAsync(DbConnection connection, DbTransaction transaction, OutboxClaim claim, string state, string message, int? httpStatus,
        long now, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            "UPDATE outbox_delivery SET state = @state, error = @error, http_status = @status, " +
            (state == OutboxStates.Delivered ? $"result = '{SupersededResult}', " : "") + "claim = NULL, lease_until = NULL, updated_at = @now " +
            "WHERE outbox_id = @id AND target = @target AND claim = @claim AND state = 'in_flight'", transaction)
            .With("state", state).With("error", message).With("status", httpStatus).With("now", now)
            .With("id", claim.OutboxId).With("target", claim.Target).With("claim", claim.Claim);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }
}
