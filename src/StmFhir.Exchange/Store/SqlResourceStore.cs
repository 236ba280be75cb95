using System.Data.Common;

namespace StmFhir.Exchange.Store;

/// <summary>
/// The resource store over a relational database; <see cref="StoreDialect"/> holds what differs per database. Owns the
/// dialect (disposing the store closes the database) and the extensions' place in it (<see cref="IStoreExtension"/>).
/// </summary>
/// <param name="dialect">The database.</param>
/// <param name="time">The clock.</param>
/// <param name="identifierRules">Whether people's identifiers may be duplicated, and where choices among duplicates are logged.</param>
/// <param name="extensions">The concepts that keep tables in the same database and write rows with every commit (the outbox), in order.</param>
internal sealed class SqlResourceStore(StoreDialect dialect, TimeProvider time, IdentifierRules? identifierRules = null,
    IReadOnlyList<IStoreExtension>? extensions = null)
    : IResourceStore, IAsyncDisposable
{
    private readonly IdentifierRules _identifierRules = identifierRules ?? IdentifierRules.Default;

    private readonly IReadOnlyList<IStoreExtension> _extensions = extensions ?? [];

    private CommitGroups? _groups;

    private readonly PagedReads _reads = new(dialect);

    /// <summary>How many commit groups have been written; 0 where commits are not grouped.</summary>
    internal long CommitGroupsRun => _groups?.GroupsRun ?? 0;

    /// <summary>How many change sets have been handed to commit groups; 0 where commits are not grouped.</summary>
    internal long CommitsGrouped => _groups?.Submitted ?? 0;

    /// <summary>Group commit where the database has one writer; null where writers run concurrently (PostgreSQL).</summary>
    private CommitGroups? Groups => dialect.GroupsCommits
        ? LazyInitializer.EnsureInitialized(ref _groups, () => new CommitGroups(CommitGroupAsync))
        : null;

    // Keys per query of ReadAllAsync: two parameters at most each, far below SQLite's and PostgreSQL's limits.
    private const int ReadAllChunk = 500;

    internal const string CurrentSql = """
        SELECT r.id, r.version, r.last_updated, v.json FROM resources r
        JOIN resource_versions v ON v.type = r.type AND v.id = r.id AND v.version = r.version
        WHERE r.type = @type AND r.id = @id
        """;

    public string Kind => dialect.Kind;

    private const string SchemaLockKey = "stmfhir:schema";

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var sql in dialect.SetupStatements)
        {
            await using var setup = connection.Command(sql);
            await setup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Gateways starting together on a new PostgreSQL database would race on CREATE ... IF NOT EXISTS (which is not
        // safe under concurrency there: a duplicate key in pg_type); one creates the schema, the others then find it.
        await dialect.LockAsync(connection, transaction, [SchemaLockKey], cancellationToken).ConfigureAwait(false);
        foreach (var sql in StoreSchema.Statements(dialect).Concat(_extensions.SelectMany(e => e.Schema(dialect))).Append(StoreSchema.InfoTable))
        {
            await using var command = connection.Command(sql, transaction);
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (dialect.IsColumnPresent(e))
            {
                // A column added after version 1 that this database has already.
            }
        }
        await using (var version = connection.Command(
            "INSERT INTO schema_info (version) SELECT @v WHERE NOT EXISTS (SELECT 1 FROM schema_info)", transaction).With("v", StoreSchema.Version))
        {
            await version.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var extension in _extensions)
        {
            await extension.InitializeAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The extension of type <typeparamref name="T"/> given at creation, or null.</summary>
    internal T? Extension<T>() where T : class, IStoreExtension => _extensions.OfType<T>().FirstOrDefault();

    public async Task<bool> IsReachableAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = connection.Command("SELECT COUNT(*) FROM schema_info");
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) > 0;
        }
        catch (DbException)
        {
            return false;
        }
    }

    public async Task<StoredResource?> ReadAsync(string type, string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(CurrentSql).With("type", type).With("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? reader.ReadStored(type) : null;
    }

    public async Task<IReadOnlyList<StoredResource?>> ReadAllAsync(IReadOnlyList<(string Type, string Id)> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0)
        {
            return [];
        }
        // One query per chunk of keys, not one per key: the outbox dispatcher reads a whole poll's resources at once
        // (~150 for 15 sessions), where a round trip each cost more than the reads (PostgreSQL: one network round trip each).
        var found = new Dictionary<(string Type, string Id), StoredResource>();
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var chunk in keys.Distinct().Chunk(ReadAllChunk))
        {
            await using var command = connection.Command("");
            command.CommandText = $"""
                SELECT r.type, r.id, r.version, r.last_updated, v.json FROM resources r
                JOIN resource_versions v ON v.type = r.type AND v.id = r.id AND v.version = r.version
                WHERE {DbCommands.ByTypeAndId(command, [.. chunk], "r.")}
                """;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var resource = reader.ReadStored(reader.GetString(0), 1);
                found[(resource.Type, resource.Id)] = resource;
            }
        }
        return [.. keys.Select(k => found.GetValueOrDefault(k))];
    }

    public async Task<StoredResource?> ReadVersionAsync(string type, string id, int version, CancellationToken cancellationToken = default)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.Command(
            "SELECT id, version, last_updated, json FROM resource_versions WHERE type = @type AND id = @id AND version = @version")
            .With("type", type).With("id", id).With("version", version);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? reader.ReadStored(type) : null;
    }

    public Task<HistoryResult> HistoryAsync(HistoryQuery query, CancellationToken cancellationToken = default) =>
        _reads.HistoryAsync(query, cancellationToken);

    public Task<HistoryResult> ChangesAsync(ChangesQuery query, CancellationToken cancellationToken = default) =>
        _reads.ChangesAsync(query, cancellationToken);

    public Task<SearchResult> SearchAsync(SearchQuery query, CancellationToken cancellationToken = default) =>
        _reads.SearchAsync(query, cancellationToken);

    /// <summary>The database's plan of a search page's query.</summary>
    internal Task<string> ExplainSearchAsync(SearchQuery query, CancellationToken cancellationToken = default) =>
        _reads.ExplainSearchAsync(query, cancellationToken);

    public Task<IReadOnlyList<StoredResource>> ReferencingAsync(string type, string parameter, ReferenceValue target, CancellationToken cancellationToken = default) =>
        _reads.ReferencingAsync(type, parameter, target, cancellationToken);

    public Task<IReadOnlyList<DuplicateIdentifier>> DuplicateIdentifiersAsync(int limit, CancellationToken cancellationToken = default) =>
        DuplicateIdentifiers.ListAsync(dialect, limit, cancellationToken);

    public async Task<CommitResult> CommitAsync(ChangeSet changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        // Here, on the caller's flow: a grouped commit is written by whichever caller leads the group.
        if (changes.TraceParent is null && System.Diagnostics.Activity.Current is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C } current)
        {
            changes = changes with { TraceParent = current.Id };
        }
        if (Groups is { } groups)
        {
            return await groups.CommitAsync(changes, PreparedChange.PrepareAll(changes.Changes), cancellationToken).ConfigureAwait(false);
        }
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var prepared = PreparedChange.PrepareAll(changes.Changes);
                await using var writer = await dialect.EnterWriterAsync(cancellationToken).ConfigureAwait(false);
                await using var transaction = await dialect.BeginWriteAsync(writer.Connection, cancellationToken).ConfigureAwait(false);
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                var result = await new ChangeSetWriter(writer.Connection, transaction, dialect, now, _identifierRules, _extensions).WriteAsync(changes, prepared, cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }
            catch (Exception e) when (attempt < StoreDialect.MaxWriteAttempts && dialect.IsTransient(e))
            {
                // Another instance won a race on the same rows; the whole change set is re-run against the new state.
            }
        }
    }

    public Task<DeleteResult> DeleteAsync(string type, string id, string source, CancellationToken cancellationToken = default) =>
        // The writer of SQLite is the one group commits use, so a delete takes its turn between groups.
        dialect.WriteAsync((connection, transaction) => ResourceDeletes.WriteAsync(connection, transaction, dialect,
            time.GetUtcNow().ToUnixTimeMilliseconds(), (type, id, source), _extensions, cancellationToken), cancellationToken);

    /// <summary>
    /// Writes a group of change sets (<see cref="CommitGroups"/>) in one transaction, each under a savepoint, and tells
    /// each its result once the transaction has committed.
    /// </summary>
    private async Task CommitGroupAsync(IReadOnlyList<CommitGroups.Pending> group)
    {
        var outcomes = new (CommitResult? Result, Exception? Error)[group.Count];
        await using (var writer = await dialect.EnterWriterAsync(CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                await using var transaction = await dialect.BeginWriteAsync(writer.Connection, CancellationToken.None).ConfigureAwait(false);
                for (var i = 0; i < group.Count; i++)
                {
                    var pending = group[i];
                    if (pending.CancellationToken.IsCancellationRequested)
                    {
                        outcomes[i] = (null, new OperationCanceledException(pending.CancellationToken));
                        continue;
                    }
                    await transaction.SaveAsync(GroupSavepoint).ConfigureAwait(false);
                    try
                    {
                        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                        outcomes[i] = (await new ChangeSetWriter(writer.Connection, transaction, dialect, now, _identifierRules, _extensions)
                            .WriteAsync(pending.Changes, pending.Prepared, CancellationToken.None).ConfigureAwait(false), null);
                    }
                    catch (Exception e)
                    {
                        // Undoes this change set only; if even that fails, the transaction is lost and the whole group fails.
                        await transaction.RollbackAsync(GroupSavepoint).ConfigureAwait(false);
                        outcomes[i] = (null, e);
                    }
                    await transaction.ReleaseAsync(GroupSavepoint).ConfigureAwait(false);
                }
                await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not StoreRejectedException)
            {
                writer.Discard();
                throw;
            }
        }
        for (var i = 0; i < group.Count; i++)
        {
            if (outcomes[i].Error is { } error)
            {
                group[i].Fail(error);
            }
            else
            {
                group[i].Succeed(outcomes[i].Result!);
            }
        }
    }

    private const string GroupSavepoint = "change_set";

    public ValueTask DisposeAsync() => dialect.DisposeAsync();
}
