using Hl7.Fhir.Model;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Pull;
using StmFhir.Exchange.Store;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Pull;

/// <summary>
/// The pull's state in the store, the same on every database: the watermark only moves forward, the last pull's result
/// is kept, and a pulled change set's outbox row is delivered to its origin at once (never claimed for it).
/// </summary>
public abstract class PullStateStoreBehaviour : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 10, 0, 0, 123, TimeSpan.Zero);

    private protected IResourceStore Store { get; private set; } = null!;

    private protected IPullStateStore State => Store.PullState();

    private protected abstract Task<IResourceStore> CreateStoreAsync();

    public async Task InitializeAsync()
    {
        Store = await CreateStoreAsync();
        await Store.InitializeAsync();
    }

    public async Task DisposeAsync() => await ((IAsyncDisposable)Store).DisposeAsync();

    [Fact]
    public async Task AnUnknownTarget_HasNoState()
    {
        Assert.Null(await State.GetPullStateAsync("never"));
        Assert.Empty(await State.ListPullStatesAsync());
    }

    [Fact]
    public async Task TheWatermark_MovesForwardOnly()
    {
        Assert.True(await State.AdvanceWatermarkAsync("a", "Procedure", T0));
        Assert.True(await State.AdvanceWatermarkAsync("a", "Procedure", T0.AddMilliseconds(1)));
        Assert.False(await State.AdvanceWatermarkAsync("a", "Procedure", T0));
        Assert.False(await State.AdvanceWatermarkAsync("a", "Procedure", T0.AddMilliseconds(1)));

        Assert.Equal("2026-03-01T10:00:00.124Z", (await State.GetPullStateAsync("a"))!.Watermark);
    }

    [Fact]
    public async Task EachResourceTypeScanned_HasItsOwnWatermark()
    {
        await State.AdvanceWatermarkAsync("a", "Procedure", T0);
        await State.AdvanceWatermarkAsync("a", "Observation", T0.AddSeconds(1));
        await State.AdvanceWatermarkAsync("b", "Procedure", T0.AddSeconds(2));

        var a = (await State.GetPullStateAsync("a"))!;
        Assert.Equal("2026-03-01T10:00:00.123Z", a.Watermark);
        Assert.Equal("2026-03-01T10:00:01.123Z", a.Watermarks["Observation"]);
        Assert.False(a.Watermarks.ContainsKey("RiskAssessment"));
        Assert.Null(a.LastPullAt);
        Assert.Equal("2026-03-01T10:00:02.123Z", (await State.GetPullStateAsync("b"))!.Watermark);
    }

    [Fact]
    public async Task TheWatermark_KeepsSubMillisecondPrecisionAndOffsetsBecomeUtc()
    {
        await State.AdvanceWatermarkAsync("a", "Procedure", new DateTimeOffset(2026, 3, 1, 11, 0, 0, TimeSpan.FromHours(1)).AddTicks(1234));

        Assert.Equal("2026-03-01T10:00:00.0001234Z", (await State.GetPullStateAsync("a"))!.Watermark);
    }

    [Fact]
    public async Task ThePullResult_IsKeptPerTargetWithoutTouchingTheWatermark()
    {
        await State.AdvanceWatermarkAsync("a", "Procedure", T0);
        var result = new PullResult
        {
            Target = "a",
            StartedAt = T0.AddMinutes(5),
            Counts = new PullCounts(2, 7, 3, 1, 2, 0, 1),
            Failures = [new PullFailure("p-17", "3", [new PullIssue(PullIssueCodes.NotASession, "Observation('o').valueInteger", null)], T0.AddMinutes(5))],
            Error = "searching Procedure answered 503",
        };

        await State.RecordPullAsync(result);
        await State.RecordPullAsync(result with { Target = "b", Failures = [], Error = null });

        var a = (await State.GetPullStateAsync("a"))!;
        Assert.Equal("2026-03-01T10:00:00.123Z", a.Watermark);
        Assert.Equal(T0.AddMinutes(5), a.LastPullAt);
        Assert.Equal(result.Counts, a.LastCounts);
        Assert.Equal(result.Failures, a.Failures);
        Assert.Equal(result.Error, a.LastError);
        var b = (await State.GetPullStateAsync("b"))!;
        Assert.Null(b.Watermark);
        Assert.Null(b.LastError);
        Assert.Equal(["a", "b"], (await State.ListPullStatesAsync()).Select(s => s.Target));
    }

    [Fact]
    public async Task AFailedProcedure_StaysListedThroughLaterPulls_UntilOneClearsIt()
    {
        var clinical = new PullIssue("STM-CLIN-004", "Bundle.entry[5].resource.valueQuantity.value", "$.romMeasurements[0].degrees");
        var first = new PullResult
        {
            Target = "a",
            StartedAt = T0,
            Counts = new PullCounts(1, 2, 1, 0, 0, 0, 1),
            Failures = [new PullFailure("p-1", "1", [clinical], T0), new PullFailure("p-2", null, [new PullIssue(PullIssueCodes.SessionRule, null, "$.painScores[0].score")], T0)],
        };
        await State.RecordPullAsync(first);

        // A later pull that does not read them again keeps them; one that reads p-1 again, failing, replaces its entry.
        await State.RecordPullAsync(first with { StartedAt = T0.AddMinutes(1), Failures = [] });
        var again = new PullFailure("p-1", "2", [clinical with { Code = "STM-CLIN-001", Expression = "Bundle.entry[2].resource.status", Location = "$.status" }], T0.AddMinutes(2));
        await State.RecordPullAsync(first with { StartedAt = T0.AddMinutes(2), Failures = [again] });
        Assert.Equal([first.Failures[1], again], (await State.GetPullStateAsync("a"))!.Failures);

        await State.RecordPullAsync(first with { StartedAt = T0.AddMinutes(3), Failures = [], Cleared = ["p-1"] });

        Assert.Equal([first.Failures[1]], (await State.GetPullStateAsync("a"))!.Failures);
        Assert.Equal(["p-2"], (await State.ListPullStatesAsync()).Single().Failures.Select(f => f.ProcedureId));
    }

    [Fact]
    public async Task APulledChangeSet_IsDeliveredToItsOriginAtOnceAndPendingForOtherTargets()
    {
        var patient = new Patient { Id = "pulled-1", Identifier = [new Identifier("https://example-hospital.org/mrn", "PULLED-1")] };
        var committed = await Store.CommitAsync(new ChangeSet([new Change(ChangeMethod.Update, patient)], "pull:hospital") { Origin = "hospital" });

        var outbox = Store.Outbox();
        Assert.Empty(await outbox.ClaimAsync("hospital", 10, DateTimeOffset.UtcNow.AddMinutes(1)));
        var claim = Assert.Single(await outbox.ClaimAsync("registry", 10, DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Equal(committed.OutboxId, claim.OutboxId);
        var rows = await outbox.ListAsync();
        Assert.Equal(OutboxStates.Delivered, rows.Single(r => r.Target == "hospital").State);
    }

    [Fact]
    public async Task AnUnchangedPulledChangeSet_WritesNoOutboxRowAtAll()
    {
        var patient = new Patient { Id = "pulled-2", Identifier = [new Identifier("https://example-hospital.org/mrn", "PULLED-2")] };
        await Store.CommitAsync(new ChangeSet([new Change(ChangeMethod.Update, patient)], "stm-session"));

        var again = await Store.CommitAsync(new ChangeSet([new Change(ChangeMethod.Update, (Patient)patient.DeepCopy())], "pull:hospital") { Origin = "hospital" });

        Assert.Null(again.OutboxId);
        Assert.DoesNotContain(await Store.Outbox().ListAsync(), r => r.Target == "hospital");
    }
}

/// <summary>The pull state on a real SQLite file, which also outlives the store that wrote it.</summary>
public sealed class SqlitePullStateStoreTests : PullStateStoreBehaviour, IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "stmfhir-pullstate-" + Guid.NewGuid().ToString("N"));

    private protected override Task<IResourceStore> CreateStoreAsync() =>
        Task.FromResult(ResourceStores.Create(new StorageOptions { DataDirectory = _folder }, TimeProvider.System));

    [Fact]
    public async Task TheWatermark_SurvivesReopeningTheFile()
    {
        await State.AdvanceWatermarkAsync("a", "Procedure", new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero));

        await using var reopened = (SqlResourceStore)ResourceStores.Create(new StorageOptions { DataDirectory = _folder }, TimeProvider.System);
        await reopened.InitializeAsync();

        Assert.Equal("2026-03-01T10:00:00Z", (await reopened.PullState().GetPullStateAsync("a"))!.Watermark);
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

/// <summary>The pull state on a real PostgreSQL 15, a fresh schema per test.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresPullStateStoreTests(PostgresServer server) : PullStateStoreBehaviour
{
    private protected override async Task<IResourceStore> CreateStoreAsync() =>
        ResourceStores.Create(new StorageOptions { Provider = "postgresql", ConnectionString = await server.NewSchemaAsync() }, TimeProvider.System);
}
