using System.Data.Common;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;

namespace StmFhir.Exchange.Storage;

/// <summary>
/// Applies one change set inside an open write transaction (see <see cref="IResourceStore.CommitAsync"/>). The same code
/// runs on every database, so idempotence, conditional create and versioning behave the same everywhere.
/// </summary>
internal sealed partial class ChangeSetWriter(DbConnection connection, DbTransaction transaction, StoreDialect dialect, long now)
{
    private readonly HashSet<string> _newIds = new(StringComparer.Ordinal);

    public async Task<CommitResult> WriteAsync(ChangeSet set, CancellationToken cancellationToken)
    {
        var changes = set.Changes;
        var conditions = new (string System, string Value)?[changes.Count];
        for (var i = 0; i < changes.Count; i++)
        {
            conditions[i] = Check(changes[i], i);
        }
        await dialect.LockAsync(connection, transaction, LockKeys(changes, conditions), cancellationToken).ConfigureAwait(false);

        // Resolve every id first, so references between the changes can be rewritten before anything is hashed or written.
        var ids = new string[changes.Count];
        var matched = new bool[changes.Count];
        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            var type = change.Resource.TypeName;
            if (change.Method == ChangeMethod.Update)
            {
                ids[i] = change.Resource.Id!;
            }
            else if (conditions[i] is { } condition && await FindByIdentifierAsync(type, condition, i, cancellationToken).ConfigureAwait(false) is { } existing)
            {
                ids[i] = existing;
                matched[i] = true;
            }
            else
            {
                ids[i] = await NewIdAsync(type, change.FullUrl, cancellationToken).ConfigureAwait(false);
            }
            if (change.FullUrl is { } fullUrl)
            {
                targets[fullUrl] = $"{type}/{ids[i]}";
            }
        }

        var entries = new List<CommittedEntry>(changes.Count);
        var written = new List<StoredResource>();
        for (var i = 0; i < changes.Count; i++)
        {
            var change = changes[i];
            var type = change.Resource.TypeName;
            if (matched[i])
            {
                var current = await ReadCurrentAsync(type, ids[i], cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidOperationException("An indexed resource has no current version.");
                entries.Add(new CommittedEntry(current, ChangeOutcome.Matched));
                continue;
            }
            var resource = change.Resource;
            ReferenceRewriter.Rewrite(resource, targets);
            resource.Id = ids[i];
            var (version, hash) = change.Method == ChangeMethod.Update
                ? await CurrentStateAsync(type, ids[i], cancellationToken).ConfigureAwait(false)
                : (0, null);
            if (change.IfMatchVersion is { } expected && expected != version)
            {
                throw new StoreRejectedException(StoreRejection.PreconditionFailed,
                    $"{type}/{ids[i]}: If-Match names version {expected}, but the current version is {(version == 0 ? "none" : version)}", i);
            }
            var contentHash = ResourceJson.ContentHash(resource);
            if (version > 0 && contentHash == hash)
            {
                var current = await ReadCurrentAsync(type, ids[i], cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidOperationException("A current version has no JSON.");
                entries.Add(new CommittedEntry(current, ChangeOutcome.Unchanged));
                continue;
            }
            var stored = await WriteVersionAsync(resource, version + 1, contentHash, cancellationToken).ConfigureAwait(false);
            written.Add(stored);
            entries.Add(new CommittedEntry(stored, version == 0 ? ChangeOutcome.Created : ChangeOutcome.Updated));
        }

        long? outboxId = written.Count > 0 ? await WriteOutboxAsync(set.Source, written, cancellationToken).ConfigureAwait(false) : null;
        return new CommitResult(entries, outboxId);
    }

    private static (string, string)? Check(Change change, int index)
    {
        var resource = change.Resource;
        if (!SearchParameterCatalog.IsSupported(resource.TypeName))
        {
            throw new StoreRejectedException(StoreRejection.Invalid, $"Resource type {resource.TypeName} is not kept by this server", index);
        }
        if (change.Method == ChangeMethod.Update && (resource.Id is null || !IdPattern().IsMatch(resource.Id)))
        {
            throw new StoreRejectedException(StoreRejection.Invalid, "An update needs an id of 1-64 letters, digits, '-' or '.'", index);
        }
        if (change.IfNoneExist is null)
        {
            return null;
        }
        // Only identifier=system|value is supported: it is what the mapper emits and what a business key is.
        const string prefix = "identifier=";
        var condition = change.IfNoneExist;
        var bar = condition.IndexOf('|', StringComparison.Ordinal);
        if (!condition.StartsWith(prefix, StringComparison.Ordinal) || bar < 0 || condition.Contains('&', StringComparison.Ordinal))
        {
            throw new StoreRejectedException(StoreRejection.Invalid, "ifNoneExist must be of the form identifier=system|value", index);
        }
        var system = Uri.UnescapeDataString(condition[prefix.Length..bar]);
        var value = Uri.UnescapeDataString(condition[(bar + 1)..]);
        return value.Length == 0
            ? throw new StoreRejectedException(StoreRejection.Invalid, "ifNoneExist must name an identifier value", index)
            : (system, value);
    }

    private static List<string> LockKeys(IReadOnlyList<Change> changes, (string System, string Value)?[] conditions)
    {
        var keys = new List<string>();
        for (var i = 0; i < changes.Count; i++)
        {
            var type = changes[i].Resource.TypeName;
            if (changes[i].Method == ChangeMethod.Update)
            {
                keys.Add($"r|{type}|{changes[i].Resource.Id}");
            }
            if (conditions[i] is { } c)
            {
                keys.Add($"i|{type}|{c.System}|{c.Value}");
            }
        }
        keys.Sort(StringComparer.Ordinal);
        return keys;
    }

    private async Task<string?> FindByIdentifierAsync(string type, (string System, string Value) identifier, int index, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(
            "SELECT DISTINCT id FROM search_index WHERE type = @type AND param = 'identifier' AND sys = @sys AND val = @val", transaction)
            .With("type", type).With("sys", identifier.System).With("val", identifier.Value);
        var ids = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetString(0));
            }
        }
        return ids.Count switch
        {
            0 => null,
            1 => ids[0],
            _ => throw new StoreRejectedException(StoreRejection.PreconditionFailed,
                $"The ifNoneExist identifier matches {ids.Count} {type} resources; a conditional create needs at most one", index),
        };
    }

    /// <summary>A create keeps the UUID of its urn:uuid fullUrl (the mapper's deterministic id) when that id is free.</summary>
    private async Task<string> NewIdAsync(string type, string? fullUrl, CancellationToken cancellationToken)
    {
        const string urn = "urn:uuid:";
        if (fullUrl is not null && fullUrl.StartsWith(urn, StringComparison.Ordinal) && fullUrl.Length - urn.Length <= 64)
        {
            var candidate = fullUrl[urn.Length..];
            if (IdPattern().IsMatch(candidate) && _newIds.Add($"{type}/{candidate}")
                && (await CurrentStateAsync(type, candidate, cancellationToken).ConfigureAwait(false)).Version == 0)
            {
                return candidate;
            }
        }
        var id = Guid.NewGuid().ToString();
        _newIds.Add($"{type}/{id}");
        return id;
    }

    private async Task<(int Version, string? Hash)> CurrentStateAsync(string type, string id, CancellationToken cancellationToken)
    {
        await using var command = connection.Command("SELECT version, content_hash FROM resources WHERE type = @type AND id = @id", transaction)
            .With("type", type).With("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), reader.GetString(1))
            : (0, null);
    }

    private async Task<StoredResource?> ReadCurrentAsync(string type, string id, CancellationToken cancellationToken)
    {
        await using var command = connection.Command(SqlResourceStore.CurrentSql, transaction).With("type", type).With("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? reader.ReadStored(type) : null;
    }

    private async Task<StoredResource> WriteVersionAsync(Resource resource, int version, string contentHash, CancellationToken cancellationToken)
    {
        var type = resource.TypeName;
        var lastUpdated = DateTimeOffset.FromUnixTimeMilliseconds(now);
        resource.Meta ??= new Meta();
        resource.Meta.VersionId = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
        resource.Meta.LastUpdated = lastUpdated;
        var json = ResourceJson.Serialize(resource);

        var sql = new StringBuilder("""
            INSERT INTO resource_versions (type, id, version, last_updated, json) VALUES (@type, @id, @version, @now, @json);
            INSERT INTO resources (type, id, version, last_updated, content_hash) VALUES (@type, @id, @version, @now, @hash)
                ON CONFLICT (type, id) DO UPDATE SET version = excluded.version, last_updated = excluded.last_updated, content_hash = excluded.content_hash;
            DELETE FROM search_index WHERE type = @type AND id = @id;
            """);
        await using var command = connection.Command("", transaction)
            .With("type", type).With("id", resource.Id).With("version", version).With("now", now).With("json", json).With("hash", contentHash);
        var values = SearchParameterCatalog.IndexValues(resource).ToList();
        if (values.Count > 0)
        {
            sql.Append("INSERT INTO search_index (type, id, param, sys, val, lo, hi) VALUES ");
            for (var i = 0; i < values.Count; i++)
            {
                var (param, value) = values[i];
                sql.Append(i == 0 ? "" : ", ").Append($"(@type, @id, @p{i}, @s{i}, @v{i}, @lo{i}, @hi{i})");
                command.With($"p{i}", param).With($"s{i}", value.System).With($"v{i}", value.Value).With($"lo{i}", value.Low).With($"hi{i}", value.High);
            }
            sql.Append(';');
        }
        command.CommandText = sql.ToString();
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return new StoredResource(type, resource.Id!, version, lastUpdated, json);
    }

    private async Task<long> WriteOutboxAsync(string source, List<StoredResource> written, CancellationToken cancellationToken)
    {
        var payload = JsonSerializer.Serialize(new Outbox.OutboxPayload(
            [.. written.Select(w => new Outbox.OutboxResource(w.Type, w.Id, w.Version))]), Outbox.OutboxJsonContext.Default.OutboxPayload);
        await using var command = connection.Command(
            "INSERT INTO outbox (created_at, source, payload) VALUES (@now, @source, @payload) RETURNING id", transaction)
            .With("now", now).With("source", source).With("payload", payload);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^[A-Za-z0-9\-\.]{1,64}$")]
    private static partial Regex IdPattern();
}
