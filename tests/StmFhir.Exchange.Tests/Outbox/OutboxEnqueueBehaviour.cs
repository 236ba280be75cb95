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
/// Deliveries are enqueued when a change set commits, for every target added to the outbox; a new target is backfilled
/// once; a claim reads only due rows by index. Shared by both databases, like <c>ResourceStoreBehaviour</c>.
/// </summary>
public abstract class OutboxEnqueueBehaviour : IAsyncLifetime
{
    private readonly List<IResourceStore> _stores = [];

    /// <summary>A store on this test's database (the same one on every call).</summary>
    private protected abstract IResourceStore Create(IReadOnlyCollection<string>? targets);

    private protected abstract Task<DbConnection> ConnectAsync();

    /// <summary>Whether the claim plan reads a table without an index.</summary>
    private protected abstract bool ScansWithoutIndex(string plan);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await ((IAsyncDisposable)store).DisposeAsync();
        }
    }

    /// <summary>A store on this test's database, initialised, and its outbox.</summary>
    private async Task<(IResourceStore Store, OutboxStore Outbox)> OpenAsync(params string[] targets)
    {
        var store = Create(targets);
        _stores.Add(store);
        await store.InitializeAsync();
        return (store, (OutboxStore)store.Outbox());
    }

    private static ChangeSet Put(string id, string? origin = null) =>
        new([new Change(ChangeMethod.Update, new Patient { Id = id, Identifier = [new Identifier("https://example-hospital.org/mrn", id)] })], "test")
        { Origin = origin };

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = await ConnectAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task ACommitUnderATrace_RecordsItsTraceParentOnTheRow_AndTheClaimCarriesIt()
    {
        var (store, outbox) = await OpenAsync("t");
        using var request = new System.Diagnostics.Activity("request").SetIdFormat(System.Diagnostics.ActivityIdFormat.W3C).Start();

        await store.CommitAsync(Put("p1"));
        request.Stop();
        await store.CommitAsync(Put("p2"));
        var claims = await outbox.ClaimAsync("t", 10, DateTimeOffset.UtcNow.AddMinutes(1));

        Assert.Equal([request.Id, null], claims.Select(c => c.TraceParent));
    }

    [Fact]
    public async Task ADatabaseWhoseOutboxPredatesTheTraceParentColumn_GetsItAtStart_AndStartsAgainWithIt()
    {
        await OpenAsync("t");
        await using (var connection = await ConnectAsync())
        {
            await using var drop = connection.CreateCommand();
            drop.CommandText = "ALTER TABLE outbox DROP COLUMN traceparent";
            await drop.ExecuteNonQueryAsync();
        }

        var (store, outbox) = await OpenAsync("t");
        await OpenAsync("t"); // the column there already: a start is not refused
        await store.CommitAsync(Put("p1") with { TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" });

        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            Assert.Single(await outbox.ClaimAsync("t", 10, DateTimeOffset.UtcNow.AddMinutes(1))).TraceParent);
    }

    [Fact]
    public async Task ACommit_WritesAPendingDeliveryForEveryConfiguredTarget_BeforeAnyClaim()
    {
        var (store, outbox) = await OpenAsync("a", "b");

        var committed = await store.CommitAsync(Put("p1"));

        var rows = await outbox.ListAsync();
        Assert.Equal([(committed.OutboxId!.Value, "a", OutboxStates.Pending), (committed.OutboxId.Value, "b", OutboxStates.Pending)],
            rows.Select(r => (r.OutboxId, r.Target, r.State)));
        Assert.Single(await outbox.ClaimAsync("a", 10, DateTimeOffset.UtcNow.AddMinutes(1)));
    }

    [Fact]
    public async Task APulledCommit_IsDeliveredForItsOrigin_AndPendingForTheOthers()
    {
        var (store, outbox) = await OpenAsync("a", "b");

        var committed = await store.CommitAsync(Put("p1", origin: "a"));

        var rows = await outbox.ListAsync();
        Assert.Equal([("a", OutboxStates.Delivered), ("b", OutboxStates.Pending)], rows.Select(r => (r.Target, r.State)));
        Assert.Empty(await outbox.ClaimAsync("a", 10, DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Equal(committed.OutboxId, Assert.Single(await outbox.ClaimAsync("b", 10, DateTimeOffset.UtcNow.AddMinutes(1))).OutboxId);
    }

    [Fact]
    public async Task ATargetAddedLater_GetsTheOlderRowsOnce_AndTheNewerOnesAtTheirCommit()
    {
        var (first, firstOutbox) = await OpenAsync("a");
        await first.CommitAsync(Put("p1"));
        await first.CommitAsync(Put("p2", origin: "late"));

        var (second, _) = await OpenAsync("a", "late");
        var (_, third) = await OpenAsync("a", "late");
        await second.CommitAsync(Put("p3"));

        Assert.Equal(0, await third.AddTargetAsync("late", default));
        Assert.Equal(1, await ScalarAsync("SELECT COUNT(*) FROM outbox_target WHERE target = 'late'"));
        var late = (await firstOutbox.ListAsync()).Where(r => r.Target == "late").Select(r => r.State).ToList();
        Assert.Equal([OutboxStates.Pending, OutboxStates.Delivered, OutboxStates.Pending], late);
        // The first store was opened before "late" was added; its commits still write the delivery (the table says so).
        await first.CommitAsync(Put("p4"));
        Assert.Equal(3, (await third.ClaimAsync("late", 10, DateTimeOffset.UtcNow.AddMinutes(1))).Count);
        Assert.Empty(await third.ClaimAsync("late", 10, DateTimeOffset.UtcNow.AddMinutes(1)));
    }

    [Fact]
    public async Task AddingATarget_WhileOthersCommitAndAddIt_MissesNoRow()
    {
        var (writer, _) = await OpenAsync("a");
        var adders = new[] { (await OpenAsync()).Outbox, (await OpenAsync()).Outbox, (await OpenAsync()).Outbox };
        var commits = Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                await writer.CommitAsync(Put($"c{i}"));
            }
        });
        await Task.Delay(50);
        var backfilled = await Task.WhenAll(adders.Select(s => Task.Run(() => s.AddTargetAsync("late", default))));
        await commits;

        var outboxRows = await ScalarAsync("SELECT COUNT(*) FROM outbox");
        Assert.Equal(40, outboxRows);
        Assert.Equal(outboxRows, await ScalarAsync("SELECT COUNT(*) FROM outbox_delivery WHERE target = 'late'"));
        Assert.True(backfilled.Count(n => n > 0) <= 1, "only one instance backfills");
    }

    [Fact]
    public async Task Get_GivesEachTargetsDeliveryWithThePerResourceResults_AndNullForAnUnknownRow()
    {
        var (store, outbox) = await OpenAsync("a", "b");
        var committed = await store.CommitAsync(Put("p1"));
        var claim = Assert.Single(await outbox.ClaimAsync("a", 10, DateTimeOffset.UtcNow.AddMinutes(1)));
        await outbox.MarkDeliveredAsync(claim, [new("Patient", "Patient/p1", "x-9", "4", "unchanged")]);
        var failed = Assert.Single(await outbox.ClaimAsync("b", 10, DateTimeOffset.UtcNow.AddMinutes(1)));
        await outbox.RescheduleAsync(failed, DateTimeOffset.UtcNow.AddMinutes(5), "503 from b");

        var entry = await outbox.GetAsync(committed.OutboxId!.Value);

        Assert.NotNull(entry);
        Assert.Equal(("test", new OutboxResource("Patient", "p1", 1)), (entry.Source, Assert.Single(entry.Resources)));
        Assert.Equal(["a", "b"], entry.Deliveries.Select(d => d.Target));
        var a = entry.Deliveries[0];
        Assert.Equal((OutboxStates.Delivered, 1, (string?)null), (a.State, a.Attempts, a.Error));
        Assert.Equal(new OutboxDeliveredResource("Patient", "Patient/p1", "x-9", "4", "unchanged"), Assert.Single(a.Results));
        var b = entry.Deliveries[1];
        Assert.Equal((OutboxStates.Pending, 1, "503 from b"), (b.State, b.Attempts, b.Error));
        Assert.Empty(b.Results);
        Assert.Null(await outbox.GetAsync(committed.OutboxId.Value + 1000));
    }

    [Fact]
    public async Task TheClaim_ReadsDueRowsByIndex_HoweverLongTheDeliveredHistory()
    {
        var (store, outbox) = await OpenAsync("t");
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
        var committed = await store.CommitAsync(Put("p1"));

        var plan = await outbox.ExplainClaimAsync("t");

        // Either both ranges of the claim's own indexes, or the open rows' partial index (which holds no delivered row;
        // PostgreSQL picks it once the history makes it the smaller one).
        Assert.True((plan.Contains("ix_outbox_delivery_due", StringComparison.Ordinal) && plan.Contains("ix_outbox_delivery_lease", StringComparison.Ordinal))
            || plan.Contains("ix_outbox_delivery_open", StringComparison.Ordinal), plan);
        Assert.False(ScansWithoutIndex(plan), plan);
        Assert.Equal(committed.OutboxId, Assert.Single(await outbox.ClaimAsync("t", 10, DateTimeOffset.UtcNow.AddMinutes(1))).OutboxId);
    }
}

/// <summary><see cref="OutboxEnqueueBehaviour"/> on a SQLite file.</summary>
public sealed class SqliteOutboxEnqueueTests : OutboxEnqueueBehaviour, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "stmfhir-enqueue-" + Guid.NewGuid().ToString("N"));

    private protected override IResourceStore Create(IReadOnlyCollection<string>? targets) =>
        ResourceStores.Create(new StorageOptions { DataDirectory = _folder }, TimeProvider.System, targets);

    private protected override async Task<DbConnection> ConnectAsync()
    {
        var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, "stmfhir.db")}");
        await connection.OpenAsync();
        return connection;
    }

    // "SCAN outbox_delivery" reads the whole table, "SCAN outbox_delivery USING INDEX i" a whole index; "SEARCH" reads a
    // range of one. ("SCAN due" reads the sub-select's own few rows.)
    private protected override bool ScansWithoutIndex(string plan) =>
        plan.Split('\n').Any(line => line.TrimStart().StartsWith("SCAN outbox", StringComparison.Ordinal));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}

/// <summary><see cref="OutboxEnqueueBehaviour"/> on PostgreSQL, a fresh schema per test.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresOutboxEnqueueTests(PostgresServer server) : OutboxEnqueueBehaviour
{
    private string _connectionString = "";

    public override async Task InitializeAsync() => _connectionString = await server.NewSchemaAsync();

    private protected override IResourceStore Create(IReadOnlyCollection<string>? targets) =>
        ResourceStores.Create(new StorageOptions { Provider = "postgresql", ConnectionString = _connectionString }, TimeProvider.System, targets);

    private protected override async Task<DbConnection> ConnectAsync()
    {
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        return connection;
    }

    private protected override bool ScansWithoutIndex(string plan) => plan.Contains("Seq Scan", StringComparison.Ordinal);

    [Fact]
    public async Task AddingATarget_WaitsForAnOutboxRowBeingWritten_SoItsCommitCannotMissTheTarget()
    {
        var store = Create(["a"]);
        await using var owned = (IAsyncDisposable)store;
        await store.InitializeAsync();
        var outbox = (OutboxStore)store.Outbox();
        // A change set halfway through its transaction: its outbox row is written, not yet committed.
        await using var writer = new NpgsqlConnection(_connectionString);
        await writer.OpenAsync();
        await using var transaction = await writer.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted);
        await using (var insert = new NpgsqlCommand("INSERT INTO outbox (created_at, source, payload) VALUES (0, 'test', '{}')", writer, transaction))
        {
            await insert.ExecuteNonQueryAsync();
        }

        var adding = outbox.AddTargetAsync("late", default);
        await Task.Delay(500);
        Assert.False(adding.IsCompleted, "adding a target must wait for the open outbox writer");
        // The writer goes on as ChangeSetWriter does: deliveries for the targets it sees, then commit.
        await using (var deliveries = new NpgsqlCommand(
            "INSERT INTO outbox_delivery (outbox_id, target, state, attempts, next_attempt_at, updated_at) " +
            "SELECT (SELECT MAX(id) FROM outbox), target, 'pending', 0, 0, 0 FROM outbox_target", writer, transaction))
        {
            await deliveries.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();

        Assert.Equal(1, await adding);
        Assert.Equal(["a", "late"], (await outbox.ListAsync()).Select(r => r.Target));
    }
}
