using System.Data.Common;
using System.Globalization;

namespace StmFhir.Exchange.Store;

/// <summary>What a delete did.</summary>
public enum DeleteOutcome
{
    /// <summary>A new version recording the delete was written (and the outbox row that sends it to the targets).</summary>
    Deleted,

    /// <summary>The resource's latest version already is a delete: nothing written.</summary>
    AlreadyDeleted,

    /// <summary>The resource never existed: nothing written.</summary>
    NotFound,
}

/// <summary>The outcome of <see cref="IResourceStore.DeleteAsync"/>.</summary>
/// <param name="Outcome">What the delete did.</param>
/// <param name="Tombstone">
/// The version that records the delete (<see cref="StoredResource.IsDeleted"/>): the new one, or the earlier one when the
/// resource was already deleted; null when it never existed.
/// </param>
/// <param name="OutboxId">The outbox row written with the delete, or null when nothing was written.</param>
public sealed record DeleteResult(DeleteOutcome Outcome, StoredResource? Tombstone, long? OutboxId);

/// <summary>
/// Deletes one resource inside an open write transaction: a new version with no content (a tombstone) is added to its
/// history, its current row and search index rows go (so reads and searches no longer find it), and it is noted in
/// <c>deleted_resources</c> (so a read answers 410 and a later create continues the version numbers). The store's
/// extensions write their rows in the same transaction, as for any commit: the outbox a row that sends the delete.
/// </summary>
/// <remarks>
/// A resource that current resources refer to through an indexed reference (a session's Procedure to its Patient, an
/// Observation to its Procedure) is not deleted: the refusal names the referrers, which must be deleted first. A
/// gateway that pushes its data on must not leave the targets, or itself, with sessions of a patient that is gone.
/// </remarks>
internal static class ResourceDeletes
{
    /// <summary>At most this many referrers are named in a refusal.</summary>
    private const int NamedReferrers = 5;

    public static async Task<DeleteResult> WriteAsync(DbConnection connection, DbTransaction transaction, StoreDialect dialect, long now,
        (string Type, string Id, string Source) delete, IReadOnlyList<IStoreExtension> extensions, CancellationToken cancellationToken)
    {
        var (type, id, source) = delete;
        // The same lock key as an update of the resource (ChangeSetWriter), so a delete and an update take turns.
        await dialect.LockAsync(connection, transaction, [$"r|{type}|{id}"], cancellationToken).ConfigureAwait(false);
        var current = await VersionAsync(connection, transaction, "resources", type, id, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            var deleted = await VersionAsync(connection, transaction, "deleted_resources", type, id, cancellationToken).ConfigureAwait(false);
            return deleted is { } tombstone
                ? new DeleteResult(DeleteOutcome.AlreadyDeleted, new StoredResource(type, id, tombstone.Version, tombstone.LastUpdated, ""), null)
                : new DeleteResult(DeleteOutcome.NotFound, null, null);
        }
        var referrers = await ReferrersAsync(connection, transaction, type, id, cancellationToken).ConfigureAwait(false);
        if (referrers.Count > 0)
        {
            var named = string.Join(", ", referrers.Take(NamedReferrers));
            throw new StoreRejectedException(StoreRejection.Conflict,
                $"{type}/{id} is referred to by {named}{(referrers.Count > NamedReferrers ? " and others" : "")}: delete those first", 0);
        }
        var written = new StoredResource(type, id, current.Value.Version + 1, DateTimeOffset.FromUnixTimeMilliseconds(now), "");
        await using (var rows = new RowWriter(connection, transaction))
        {
            object[] key = [type, id];
            await rows.AddAsync("INSERT INTO resource_versions (type, id, version, last_updated, json) VALUES (@p0, @p1, @p2, @p3, '')",
                [type, id, written.Version, now], cancellationToken).ConfigureAwait(false);
            await rows.AddAsync("DELETE FROM resources WHERE type = @p0 AND id = @p1", key, cancellationToken).ConfigureAwait(false);
            await rows.AddAsync("DELETE FROM search_index WHERE type = @p0 AND id = @p1", key, cancellationToken).ConfigureAwait(false);
            await rows.AddAsync("""
                INSERT INTO deleted_resources (type, id, version, last_updated) VALUES (@p0, @p1, @p2, @p3)
                ON CONFLICT (type, id) DO UPDATE SET version = excluded.version, last_updated = excluded.last_updated
                """, [type, id, written.Version, now], cancellationToken).ConfigureAwait(false);
            await rows.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        long? outboxId = null;
        var commit = new CommitContext(connection, transaction, now, new ChangeSet([], source), [written]);
        foreach (var extension in extensions)
        {
            // Every extension writes its rows (not "??=", which would skip the ones after the outbox); the first id is kept.
            var rowId = await extension.WriteWithCommitAsync(commit, cancellationToken).ConfigureAwait(false);
            outboxId ??= rowId;
        }
        return new DeleteResult(DeleteOutcome.Deleted, written, outboxId);
    }

    private static async Task<(int Version, DateTimeOffset LastUpdated)?> VersionAsync(DbConnection connection, DbTransaction transaction, string table,
        string type, string id, CancellationToken cancellationToken)
    {
        await using var command = connection.Command($"SELECT version, last_updated FROM {table} WHERE type = @type AND id = @id", transaction)
            .With("type", type).With("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture),
                DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture)))
            : null;
    }

    /// <summary>
    /// The current resources (<c>Type/id</c>, a few more than are named) whose indexed references point at the resource,
    /// read from the search index's (type, param, val, sys) index once per reference parameter.
    /// </summary>
    private static async Task<List<string>> ReferrersAsync(DbConnection connection, DbTransaction transaction, string type, string id,
        CancellationToken cancellationToken)
    {
        var parameters = SearchParameterCatalog.ResourceTypes
            .SelectMany(t => SearchParameterCatalog.For(t).Where(p => p.Kind == SearchParamKind.Reference).Select(p => (Type: t, p.Name)))
            .ToList();
        await using var command = connection.Command("", transaction).With("id", id).With("type", type).With("limit", NamedReferrers + 1);
        var terms = parameters.Select((p, n) =>
        {
            command.With($"t{n}", p.Type).With($"p{n}", p.Name);
            return $"SELECT s.type, s.id FROM search_index s WHERE s.type = @t{n} AND s.param = @p{n} AND s.val = @id AND s.sys = @type";
        });
        command.CommandText = $"""
            SELECT DISTINCT r.type, r.id FROM ({string.Join(" UNION ALL ", terms)}) r
            WHERE NOT (r.type = @type AND r.id = @id) ORDER BY r.type, r.id LIMIT @limit
            """;
        var referrers = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            referrers.Add($"{reader.GetString(0)}/{reader.GetString(1)}");
        }
        return referrers;
    }
}
