using StmFhir.Exchange.Store;
using StmFhir.Tests.Shared;

namespace StmFhir.Exchange.Tests.Store;

/// <summary>The shared store behaviour on a real SQLite file in a fresh temp folder per test.</summary>
public sealed class SqliteResourceStoreTests : ResourceStoreBehaviour, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "stmfhir-store-" + Guid.NewGuid().ToString("N"));

    private protected override Task<IResourceStore> CreateStoreAsync(Action<StorageOptions>? configure = null)
    {
        var options = new StorageOptions { DataDirectory = _folder };
        configure?.Invoke(options);
        return Task.FromResult(ResourceStores.Create(options, TimeProvider.System));
    }

    private protected override async Task<System.Data.Common.DbConnection> ConnectAsync()
    {
        var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_folder, "stmfhir.db")}");
        await connection.OpenAsync();
        return connection;
    }

    // "SCAN r" reads a whole table, "SCAN r USING INDEX i" a whole index; "SEARCH" reads a range of one. ("SCAN q" and
    // "SCAN p" read the page query's own few rows.)
    private protected override bool ScansWithoutIndex(string plan) =>
        plan.Split('\n').Any(line => System.Text.RegularExpressions.Regex.IsMatch(line.TrimStart(), @"^SCAN (r|v|s|o|c)\b"));

    [Fact]
    public async Task Create_MakesTheDataFolderAndFile()
    {
        Assert.True(File.Exists(Path.Combine(_folder, "stmfhir.db")));
        Assert.Equal("sqlite", Store.Kind);
        Assert.True(await Store.IsReachableAsync());
    }

    [Fact]
    public async Task ConcurrentCommits_ShareDurableCommits_AndEachGetsItsOwnResult()
    {
        var sessions = Enumerable.Range(0, 40).Select(i => TransactionBundles.ToChangeSet(
            StmFhir.Core.Mapping.StmBundleMapper.ToBundle(StmFhir.Core.Sessions.StmSessionReader.Read(SessionJson.Text($"STM-S-{i:000}")).Session!), "stm-session")).ToList();
        var groupsBefore = ((SqlResourceStore)Store).CommitGroupsRun;

        var commits = await WhileAnotherProcessWritesAsync(() => [.. sessions.Select(s => Task.Run(() => Store.CommitAsync(s)))]);
        var results = await Task.WhenAll(commits);

        // The first group (those queued when it started) waited for the other writer; the rest queued meanwhile and went
        // in groups of at most 32.
        Assert.InRange(((SqlResourceStore)Store).CommitGroupsRun - groupsBefore, 2, 1 + 2);
        Assert.Equal(sessions.Count, results.Select(r => r.OutboxId).Distinct().Count());
        Assert.All(results, r => Assert.True(r.Changed));
    }

    [Fact]
    public async Task ADatabaseFailureLateInOneChangeSet_UndoesThatChangeSetOnly_InAGroupOfOthers()
    {
        // A real failure after the change set's resources are written: a trigger refuses its outbox row.
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_folder, "stmfhir.db")}"))
        {
            await connection.OpenAsync();
            await using var trigger = connection.CreateCommand();
            trigger.CommandText = "CREATE TRIGGER refuse_doomed BEFORE INSERT ON outbox WHEN NEW.source = 'doomed' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END";
            await trigger.ExecuteNonQueryAsync();
        }
        var doomed = new ChangeSet([new Change(ChangeMethod.Update, new Hl7.Fhir.Model.Patient { Id = "doomed-patient" })], "doomed");
        var sessions = Enumerable.Range(0, 30).Select(i => TransactionBundles.ToChangeSet(
            StmFhir.Core.Mapping.StmBundleMapper.ToBundle(StmFhir.Core.Sessions.StmSessionReader.Read(SessionJson.Text($"STM-D-{i:000}")).Session!), "stm-session")).ToList();

        var commits = await WhileAnotherProcessWritesAsync(() => [.. sessions.Take(15).Select(s => Task.Run(() => Store.CommitAsync(s)))
            .Append(Task.Run(() => Store.CommitAsync(doomed)))
            .Concat(sessions.Skip(15).Select(s => Task.Run(() => Store.CommitAsync(s))))]);
        await Task.WhenAll(commits.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));

        Assert.IsType<Microsoft.Data.Sqlite.SqliteException>(commits[15].Exception?.InnerException);
        Assert.Null(await Store.ReadAsync("Patient", "doomed-patient"));
        Assert.Empty(await Store.HistoryAsync("Patient", "doomed-patient"));
        Assert.All(commits.Where((_, i) => i != 15), c => Assert.True(c.Result.Changed));
        Assert.Equal(30, (await Store.SearchAsync(new SearchQuery("Procedure", [], 0, 0))).Total);
    }

    [Fact]
    public async Task UnderASteadyStreamOfCommits_TheWalIsCheckpointedAndRestartedInTheBackground()
    {
        // A small WAL limit, so a few hundred sessions cross it many times.
        var dialect = new SqliteDialect(Path.Combine(_folder, "checkpointed.db"), synchronousFull: true, SqliteWriting.Default with { CheckpointPages = 100 });
        await using var store = ResourceStores.Create(dialect, TimeProvider.System, ["default"]);
        await store.InitializeAsync();
        var sessions = Enumerable.Range(0, 300).Select(i => TransactionBundles.ToChangeSet(
            StmFhir.Core.Mapping.StmBundleMapper.ToBundle(StmFhir.Core.Sessions.StmSessionReader.Read(SessionJson.Text($"STM-W-{i:000}")).Session!), "stm-session")).ToList();
        var started = DateTime.UtcNow;

        // Eight writers without pause, and at least two checkpoint intervals long.
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) is var i && (i < sessions.Count || DateTime.UtcNow - started < SqliteCheckpointer.Interval * 3))
            {
                await store.CommitAsync(i < sessions.Count ? sessions[i] : sessions[i % sessions.Count]);
            }
        })));

        Assert.NotNull(dialect.Checkpointer);
        Assert.True(dialect.Checkpointer.Checkpoints > 0, "no background checkpoint copied anything");
        Assert.True(dialect.Checkpointer.Restarts > 0, "the WAL was never checkpointed to its end in a writer's turn");
        Assert.Equal(sessions.Count, (await store.SearchAsync(new SearchQuery("Procedure", [], 0, 0))).Total);
    }

    /// <summary>
    /// Holds the database's write lock from another connection (as another process would) until every commit has been
    /// handed in, so all but the first group's are queued together whatever the machine's speed.
    /// </summary>
    private async Task<List<Task<CommitResult>>> WhileAnotherProcessWritesAsync(Func<List<Task<CommitResult>>> start)
    {
        await using var other = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_folder, "stmfhir.db")}");
        await other.OpenAsync();
        await using var transaction = other.BeginTransaction(deferred: false);
        var store = (SqlResourceStore)Store;
        var before = store.CommitsGrouped;
        var commits = start();
        var expected = before + commits.Count;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (store.CommitsGrouped < expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        Assert.Equal(expected, store.CommitsGrouped);
        await transaction.RollbackAsync();
        return commits;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
