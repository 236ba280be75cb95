using System.Data.Common;
using Hl7.Fhir.Model;
using Microsoft.Data.Sqlite;
using Npgsql;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Store;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Outbox;

/// <summary>
/// Targets that change: a target taken out of the configuration gets no new rows, keeps its open rows as orphaned until
/// they are purged or it comes back (and then gets them and what it missed, not what was purged); the status counts read
/// the open rows and a maintained delivered counter, never the delivered history. Shared by both databases.
/// </summary>
public abstract class OutboxTargetChangeBehaviour : IAsyncLifetime
{
    private readonly List<IResourceStore> _stores = [];

    /// <summary>A store on this test's database (the same one on every call), with these configured targets.</summary>
    private protected abstract IResourceStore Create(IReadOnlyCollection<string> targets);

    private protected abstract Task<DbConnection> ConnectAsync();

    /// <summary>Whether a plan reads the delivery table other than through the open rows' index.</summary>
    private protected abstract bool ReadsHistory(string plan);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await ((IAsyncDisposable)store).DisposeAsync();
        }
    }

    /// <summary>A gateway start: the store initialised with <paramref name="targets"/>, and the others taken out.</summary>
    private async Task<(IResourceStore Store, OutboxStore Outbox, IReadOnlyList<string> Removed)> StartAsync(params string[] targets)
    {
        var store = Create(targets);
        _stores.Add(store);
        await store.InitializeAsync();
        var outbox = (OutboxStore)store.Outbox();
        return (store, outbox, await outbox.RemoveTargetsAsync(targets));
    }

    private static ChangeSet Put(string id) =>
        new([new Change(ChangeMethod.Update, new Patient { Id = id, Identifier = [new Identifier("https://example-hospital.org/mrn", id)] })], "test");

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await ConnectAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static OutboxTargetCounts For(IReadOnlyList<OutboxTargetCounts> counts, string target) => counts.Single(c => c.Target == target);

    private static async Task DeliverAllAsync(OutboxStore outbox, string target)
    {
        foreach (var claim in await outbox.ClaimAsync(target, 100, DateTimeOffset.UtcNow.AddMinutes(1)))
        {
            Assert.True(await outbox.MarkDeliveredAsync(claim, []));
        }
    }

    [Fact]
    public async Task ARemovedTarget_GetsNoNewRows_AndKeepsItsOpenRowsAsOrphaned()
    {
        var (first, firstOutbox, _) = await StartAsync("a", "b");
        await first.CommitAsync(Put("p1"));
        await first.CommitAsync(Put("p2"));
        var dead = Assert.Single(await firstOutbox.ClaimAsync("b", 1, DateTimeOffset.UtcNow.AddMinutes(1)));
        await firstOutbox.DeadLetterAsync(dead, "refused", 422, null);

        var (second, outbox, removed) = await StartAsync("a");
        await second.CommitAsync(Put("p3"));

        Assert.Equal(["b"], removed);
        var rows = await outbox.ListAsync();
        Assert.Equal(3, rows.Count(r => r.Target == "a"));
        Assert.Equal([OutboxStates.Dead, OutboxStates.Pending], rows.Where(r => r.Target == "b").Select(r => r.State));
        var counts = await outbox.CountAsync(["a"]);
        var b = For(counts, "b");
        Assert.True(b.Orphaned);
        Assert.NotNull(b.RemovedAt);
        Assert.Equal((1, 1, 0), (b.Pending, b.Dead, b.Delivered));
        Assert.Equal(("refused", 422), (b.LastError!.Message, b.LastError.HttpStatus));
        Assert.False(For(counts, "a").Orphaned);
        Assert.Equal(3, For(counts, "a").Pending);
        Assert.NotNull(For(counts, "a").OldestPendingAt);
        Assert.Empty(await (await StartAsync("a")).Outbox.RemoveTargetsAsync(["a"]));
    }

    [Fact]
    public async Task Purge_DeletesOnlyTheOrphanedTargetsOpenRows_AndRefusesAConfiguredOrUnknownTarget()
    {
        var (first, firstOutbox, _) = await StartAsync("a", "b");
        await first.CommitAsync(Put("p1"));
        await DeliverAllAsync(firstOutbox, "b");
        await first.CommitAsync(Put("p2"));
        await first.CommitAsync(Put("p3"));
        var (_, outbox, _) = await StartAsync("a");

        Assert.Null(await outbox.PurgeAsync("a"));
        Assert.Null(await outbox.PurgeAsync("never-configured"));
        Assert.Equal(2, await outbox.PurgeAsync("b"));

        var rows = await outbox.ListAsync();
        Assert.Equal([OutboxStates.Delivered], rows.Where(r => r.Target == "b").Select(r => r.State));
        Assert.Equal(3, rows.Count(r => r.Target == "a"));
        var b = For(await outbox.CountAsync(["a"]), "b");
        Assert.Equal((0, 0, 1, true), (b.Pending, b.Dead, b.Delivered, b.Orphaned));
        Assert.Equal(0, await outbox.PurgeAsync("b"));
    }

    [Fact]
    public async Task AReAddedTarget_GetsItsKeptRowsAndWhatItMissed_ButNotWhatWasPurged()
    {
        var (first, _, _) = await StartAsync("a", "b");
        var kept = await first.CommitAsync(Put("p1"));
        var (second, secondOutbox, _) = await StartAsync("a");
        var missed = await second.CommitAsync(Put("p2"));

        var (_, outbox, _) = await StartAsync("a", "b");
        var claimed = await outbox.ClaimAsync("b", 100, DateTimeOffset.UtcNow.AddMinutes(1));

        Assert.Equal([kept.OutboxId!.Value, missed.OutboxId!.Value], claimed.Select(c => c.OutboxId));
        Assert.False(For(await outbox.CountAsync(["a", "b"]), "b").Orphaned);

        // Out again, purged, back again: the purged rows do not return.
        foreach (var claim in claimed)
        {
            await outbox.RescheduleAsync(claim, DateTimeOffset.UtcNow, "stopped");
        }
        var (third, thirdOutbox, _) = await StartAsync("a");
        Assert.Equal(2, await thirdOutbox.PurgeAsync("b"));
        var (_, last, _) = await StartAsync("a", "b");
        Assert.Equal(0, await last.AddTargetAsync("b", default));
        Assert.Empty(await last.ClaimAsync("b", 100, DateTimeOffset.UtcNow.AddMinutes(1)));
        var after = await third.CommitAsync(Put("p3"));
        Assert.Equal(after.OutboxId, Assert.Single(await last.ClaimAsync("b", 100, DateTimeOffset.UtcNow.AddMinutes(1))).OutboxId);
        Assert.NotNull(secondOutbox);
    }

    [Fact]
    public async Task TheDeliveredCount_FollowsTheRows_ThroughDeliveryReplayAndPurge()
    {
        var (store, outbox, _) = await StartAsync("a", "b");
        for (var i = 0; i < 5; i++)
        {
            await store.CommitAsync(Put($"p{i}"));
        }
        await DeliverAllAsync(outbox, "a");
        var refused = Assert.Single(await outbox.ClaimAsync("b", 1, DateTimeOffset.UtcNow.AddMinutes(1)));
        await outbox.DeadLetterAsync(refused, "refused", 422, null);
        Assert.Equal(1, await outbox.ReplayAsync(refused.OutboxId));
        await DeliverAllAsync(outbox, "b");
        await store.CommitAsync(Put("p9"));

        foreach (var counts in await outbox.CountAsync(["a", "b"]))
        {
            Assert.Equal(await ScalarAsync($"SELECT COUNT(*) FROM outbox_delivery WHERE state = 'delivered' AND target = '{counts.Target}'"), counts.Delivered);
            Assert.Equal(await ScalarAsync($"SELECT COUNT(*) FROM outbox_delivery WHERE state = 'pending' AND target = '{counts.Target}'"), counts.Pending);
        }
        Assert.Equal((5, 1), (For(await outbox.CountAsync(), "a").Delivered, For(await outbox.CountAsync(), "a").Pending));
    }

    [Fact]
    public async Task ADatabaseFromBeforeTheCounter_IsCountedOnceAtStart()
    {
        var (store, outbox, _) = await StartAsync("a");
        for (var i = 0; i < 3; i++)
        {
            await store.CommitAsync(Put($"p{i}"));
        }
        await DeliverAllAsync(outbox, "a");
        // As an older version left it: delivered rows, no counter.
        await ScalarAsync("DELETE FROM outbox_delivered_count");

        var (_, restarted, _) = await StartAsync("a");

        Assert.Equal(3, For(await restarted.CountAsync(["a"]), "a").Delivered);
        await StartAsync("a");
        Assert.Equal(3, For(await restarted.CountAsync(["a"]), "a").Delivered);
    }

    [Fact]
    public async Task TheStatusCounts_ReadOnlyTheOpenRows_HoweverLongTheDeliveredHistory()
    {
        var (store, outbox, _) = await StartAsync("t");
        await using (var connection = await ConnectAsync())
        {
            foreach (var sql in (string[])[
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) " +
                "INSERT INTO outbox (created_at, source, payload) SELECT 0, 'history', '{\"resources\":[]}' FROM n",
                "INSERT INTO outbox_delivery (outbox_id, target, state, attempts, next_attempt_at, updated_at, result) " +
                "SELECT id, 't', 'delivered', 1, 0, 0, '[]' FROM outbox",
                "ANALYZE"])
            {
                await using var command = connection.CreateCommand();
                command.CommandText = sql;
                await command.ExecuteNonQueryAsync();
            }
        }
        await store.CommitAsync(Put("p1"));

        var plan = await outbox.ExplainCountsAsync();
        var deadPlan = await outbox.ExplainDeadListAsync();

        Assert.Contains("ix_outbox_delivery_open", plan, StringComparison.Ordinal);
        Assert.False(ReadsHistory(plan), plan);
        Assert.Contains("ix_outbox_delivery_open", deadPlan, StringComparison.Ordinal);
        Assert.False(ReadsHistory(deadPlan), deadPlan);
        var counts = For(await outbox.CountAsync(["t"]), "t");
        Assert.Equal((1, 20000), (counts.Pending, counts.Delivered));
    }
}

/// <summary><see cref="OutboxTargetChangeBehaviour"/> on a SQLite file.</summary>
public sealed class SqliteOutboxTargetChangeTests : OutboxTargetChangeBehaviour, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "stmfhir-targets-" + Guid.NewGuid().ToString("N"));

    private protected override IResourceStore Create(IReadOnlyCollection<string> targets) =>
        ResourceStores.Create(new StorageOptions { DataDirectory = _folder }, TimeProvider.System, targets);

    private protected override async Task<DbConnection> ConnectAsync()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, "stmfhir.db")}");
        await connection.OpenAsync();
        return connection;
    }

    // Any SCAN (a whole table or index), or a SEARCH of the delivery table (d) in another index, reads the history;
    // "... USING [COVERING] INDEX ix_outbox_delivery_open" reads the open rows only.
    private protected override bool ReadsHistory(string plan) =>
        plan.Split('\n').Select(line => line.Trim()).Any(line => !line.Contains("ix_outbox_delivery_open", StringComparison.Ordinal)
            && (line.StartsWith("SCAN ", StringComparison.Ordinal) || line.StartsWith("SEARCH outbox_delivery ", StringComparison.Ordinal)
                || line.StartsWith("SEARCH d ", StringComparison.Ordinal)));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}

/// <summary><see cref="OutboxTargetChangeBehaviour"/> on PostgreSQL, a fresh schema per test.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresOutboxTargetChangeTests(PostgresServer server) : OutboxTargetChangeBehaviour
{
    private string _connectionString = "";

    public override async Task InitializeAsync() => _connectionString = await server.NewSchemaAsync();

    private protected override IResourceStore Create(IReadOnlyCollection<string> targets) =>
        ResourceStores.Create(new StorageOptions { Provider = "postgresql", ConnectionString = _connectionString }, TimeProvider.System, targets);

    private protected override async Task<DbConnection> ConnectAsync()
    {
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        return connection;
    }

    private protected override bool ReadsHistory(string plan) => plan.Contains("Seq Scan", StringComparison.Ordinal);
}
