using System.Text.Json;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Exchange.Conflicts;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Store;
using StmFhir.Exchange.Targets;
using StmFhir.Exchange.Tests.Peer;
using StmFhir.Exchange.Tests.Pull;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Conflicts;

/// <summary>
/// The same session edited here and at the real peer between two syncs, on both databases: a pull that finds it, or a
/// delivery the peer answers 412 (If-Match), keeps both sides and lists the conflict with both sides' ids and versions;
/// resolving it for ours or theirs ends with one version on both sides, written once.
/// </summary>
public abstract class ConflictBehaviour(PeerFhirServer peer) : IAsyncLifetime
{
    private PullHarness _harness = null!;
    private StorageOptions _storage = null!;

    private protected abstract Task<StorageOptions> NewStorageAsync();

    public async Task InitializeAsync()
    {
        await peer.ResetAsync();
        // Medplum refuses screening predictions without a probability (MedplumRiskAssessmentWorkaround).
        await peer.ConfigureAsync("""{"validate":false}""");
        _storage = await NewStorageAsync();
        _harness = await PullHarness.StartAsync(peer, _storage);
    }

    public virtual async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await peer.ResetAsync();
    }

    private async Task RestartAsync(ConflictPolicy policy)
    {
        await _harness.DisposeAsync();
        _harness = await PullHarness.StartAsync(peer, _storage, policy);
    }

    private static string ProcedureId(StmSession session) =>
        StmBundleMapper.ToBundle(session).Entry.Select(e => e.Resource).OfType<Procedure>().Single().Id!;

    /// <summary>Stores the session here (as intake does) and delivers it; then a pull agrees with the peer.</summary>
    private async Task<StmSession> SyncedSessionAsync(string sessionId)
    {
        var session = TestSessions.Session(sessionId, painScores: 2) with { Notes = "first" };
        await _harness.Store.CommitAsync(TransactionBundles.ToChangeSet(StmBundleMapper.ToBundle(session), "stm-session"));
        await _harness.Dispatcher().DispatchOnceAsync(PullHarness.Target, CancellationToken.None);
        var pulled = await _harness.PullAsync();
        Assert.Equal(0, pulled.Counts.Conflicted);
        return session;
    }

    private async Task EditAtPeerAsync(StmSession session, string note)
    {
        using var client = peer.CreateClient();
        var procedure = FhirJson.Deserialize<Procedure>(await client.GetStringAsync($"Procedure/{ProcedureId(session)}"));
        procedure.Note = [new Annotation { Text = note }];
        await _harness.PutAsync(procedure);
    }

    private Task EditHereAsync(StmSession session, string note) =>
        _harness.Store.CommitAsync(TransactionBundles.ToChangeSet(StmBundleMapper.ToBundle(session with { Notes = note }), "stm-session"));

    private async Task<(string? Note, string Version, int Versions)> AtPeerAsync(StmSession session)
    {
        using var client = peer.CreateClient();
        var procedure = FhirJson.Deserialize<Procedure>(await client.GetStringAsync($"Procedure/{ProcedureId(session)}"));
        using var history = JsonDocument.Parse(await client.GetStringAsync($"Procedure/{ProcedureId(session)}/_history"));
        return (procedure.Note.SingleOrDefault()?.Text, procedure.Meta!.VersionId!, history.RootElement.GetProperty("entry").GetArrayLength());
    }

    private async Task<(string? Note, int Version)> HereAsync(StmSession session)
    {
        var stored = await _harness.Store.ReadAsync("Procedure", ProcedureId(session));
        return (ResourceJson.Deserialize(stored!.Json) is Procedure p ? p.Note.SingleOrDefault()?.Text : null, stored.Version);
    }

    /// <summary>
    /// A synced session edited at the peer ("theirs") and here ("ours"), the conflict found by a pull or by the push's
    /// 412; the peer's side as it was before our push tried, and the one conflict listed.
    /// </summary>
    private async Task<(StmSession Session, (string? Note, string Version, int Versions) PeerBefore, ExchangeConflict Conflict)> ConflictedSessionAsync(
        string sessionId, bool foundByPull)
    {
        var session = await SyncedSessionAsync(sessionId);
        await EditAtPeerAsync(session, "theirs");
        var peerBefore = await AtPeerAsync(session);
        await EditHereAsync(session, "ours");
        if (foundByPull)
        {
            await _harness.PullAsync();
        }
        await DispatchAllAsync();
        return (session, peerBefore, Assert.Single(await _harness.Store.Conflicts().ListAsync()));
    }

    private async Task<int> DispatchAllAsync()
    {
        var claimed = 0;
        for (var i = 0; i < 3; i++)
        {
            claimed += await _harness.Dispatcher().DispatchOnceAsync(PullHarness.Target, CancellationToken.None);
        }
        return claimed;
    }

    [Fact]
    public async Task EditedOnBothSides_APullKeepsBothAndListsTheConflict_AndTheDeliveryIsHeld()
    {
        var session = await SyncedSessionAsync("conflict-pull");
        await EditAtPeerAsync(session, "theirs");
        var peerBefore = await AtPeerAsync(session);
        await EditHereAsync(session, "ours");

        var pulled = await _harness.PullAsync();
        await DispatchAllAsync();

        Assert.Equal(1, pulled.Counts.Conflicted);
        Assert.Equal("ours", (await HereAsync(session)).Note);
        Assert.Equal(peerBefore, await AtPeerAsync(session));
        var conflict = Assert.Single(await _harness.Store.Conflicts().ListAsync());
        Assert.Equal((PullHarness.Target, ConflictDetectors.Pull, ConflictStates.Open, ProcedureId(session), ProcedureId(session)),
            (conflict.Target, conflict.DetectedBy, conflict.State, conflict.ProcedureId, conflict.TargetProcedureId));
        var procedure = Assert.Single(conflict.Resources, r => r.ResourceType == "Procedure");
        Assert.Equal((ProcedureId(session), 2, 1, ProcedureId(session), peerBefore.Version), (procedure.Id, procedure.LocalVersion, procedure.SyncedLocalVersion, procedure.TargetId, procedure.TargetVersion));
        Assert.NotEqual(peerBefore.Version, procedure.SyncedTargetVersion);
        Assert.Contains(await _harness.Outbox.ListAsync(), r => r.State == OutboxStates.Conflict);
    }

    [Fact]
    public async Task EditedOnBothSides_ThePushCarriesIfMatch_AndThe412IsAConflictNotADeadLetter()
    {
        var session = await SyncedSessionAsync("conflict-412");
        await EditAtPeerAsync(session, "theirs");
        var peerBefore = await AtPeerAsync(session);
        await EditHereAsync(session, "ours");

        await DispatchAllAsync();

        Assert.Equal(peerBefore, await AtPeerAsync(session));
        Assert.Equal("ours", (await HereAsync(session)).Note);
        var conflict = Assert.Single(await _harness.Store.Conflicts().ListAsync());
        Assert.Equal((ConflictDetectors.Push, ConflictStates.Open), (conflict.DetectedBy, conflict.State));
        var procedure = Assert.Single(conflict.Resources);
        Assert.Equal(("Procedure", ProcedureId(session), 2, peerBefore.Version), (procedure.ResourceType, procedure.Id, procedure.LocalVersion, procedure.TargetVersion));
        var row = Assert.Single(await _harness.Outbox.ListAsync(OutboxStates.Conflict));
        Assert.Equal(412, row.HttpStatus);
        Assert.Empty(await _harness.Outbox.ListAsync(OutboxStates.Dead));
        var pulled = await _harness.PullAsync();
        Assert.Equal("ours", (await HereAsync(session)).Note);
        Assert.Equal(1, pulled.Counts.Conflicted);
        Assert.Single(await _harness.Store.Conflicts().ListAsync());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ResolvedForOurs_ThePeerGetsOurVersionOnce_AndBothSidesAgree(bool foundByPull)
    {
        var (session, peerBefore, conflict) = await ConflictedSessionAsync("resolve-ours-" + foundByPull, foundByPull);

        var resolution = await _harness.Outbox.ResolveConflictAsync(conflict.Id, ConflictSides.Ours);
        await DispatchAllAsync();
        var again = await _harness.Outbox.ResolveConflictAsync(conflict.Id, ConflictSides.Ours);
        await DispatchAllAsync();
        var pulled = await _harness.PullAsync();

        Assert.True(resolution.Decided);
        Assert.False(again.Decided);
        var peerAfter = await AtPeerAsync(session);
        Assert.Equal(("ours", peerBefore.Versions + 1), (peerAfter.Note, peerAfter.Versions));
        Assert.Equal("ours", (await HereAsync(session)).Note);
        Assert.Equal((0, 0), (pulled.Counts.Conflicted, pulled.Counts.Updated));
        Assert.Empty(await _harness.Store.Conflicts().ListAsync());
        Assert.Equal(ConflictSides.Ours, (await _harness.Store.Conflicts().GetAsync(conflict.Id))!.Resolution);
        Assert.All(await _harness.Outbox.ListAsync(), r => Assert.Equal(OutboxStates.Delivered, r.State));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ResolvedForTheirs_TheStoreTakesThePeersVersion_AndNothingIsWrittenThere(bool foundByPull)
    {
        var (session, peerBefore, conflict) = await ConflictedSessionAsync("resolve-theirs-" + foundByPull, foundByPull);

        var resolution = await _harness.Outbox.ResolveConflictAsync(conflict.Id, ConflictSides.Theirs);
        var pulled = await _harness.PullAsync();
        await DispatchAllAsync();
        var pulledAgain = await _harness.PullAsync();

        Assert.True(resolution.Decided);
        Assert.Equal(1, pulled.Counts.Updated);
        Assert.Equal((0, 0), (pulledAgain.Counts.Conflicted, pulledAgain.Counts.Updated));
        Assert.Equal(peerBefore, await AtPeerAsync(session));
        Assert.Equal(("theirs", 3), await HereAsync(session));
        Assert.Empty(await _harness.Store.Conflicts().ListAsync());
        Assert.Equal(ConflictSides.Theirs, (await _harness.Store.Conflicts().GetAsync(conflict.Id))!.Resolution);
        Assert.All(await _harness.Outbox.ListAsync(), r => Assert.Equal(OutboxStates.Delivered, r.State));
    }

    [Fact]
    public async Task ConflictPolicyOurs_ResolvesThe412AtOnce_AndThePeerGetsOurVersionOnce()
    {
        var session = await SyncedSessionAsync("policy-ours");
        await RestartAsync(ConflictPolicy.Ours);
        await EditAtPeerAsync(session, "theirs");
        var peerBefore = await AtPeerAsync(session);
        await EditHereAsync(session, "ours");

        await DispatchAllAsync();

        var peerAfter = await AtPeerAsync(session);
        Assert.Equal(("ours", peerBefore.Versions + 1), (peerAfter.Note, peerAfter.Versions));
        Assert.Empty(await _harness.Store.Conflicts().ListAsync());
        Assert.Equal(ConflictSides.Ours, Assert.Single(await _harness.Store.Conflicts().ListAsync(includeResolved: true)).Resolution);
    }

    [Fact]
    public async Task ChangedHereOnly_APullDoesNotPutThePeersOlderCopyOverOurs()
    {
        var session = await SyncedSessionAsync("ours-only");
        await EditHereAsync(session, "ours");

        var pulled = await _harness.PullAsync(since: DateTimeOffset.UnixEpoch);

        Assert.Equal(("ours", 2), await HereAsync(session));
        Assert.Equal(0, pulled.Counts.Conflicted);
    }
}

/// <summary>Conflicts with a real SQLite file.</summary>
[Collection(PeerCollection.Name)]
public sealed class SqliteConflictTests(PeerFhirServer peer) : ConflictBehaviour(peer)
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "stmfhir-conflict-" + Guid.NewGuid().ToString("N"));

    private protected override Task<StorageOptions> NewStorageAsync() => Task.FromResult(new StorageOptions { DataDirectory = _folder });

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>Conflicts with a real PostgreSQL (a fresh schema; a cluster of its own for this class).</summary>
[Collection(PeerCollection.Name)]
public sealed class PostgresConflictTests(PeerFhirServer peer, PostgresServer postgres) : ConflictBehaviour(peer), IClassFixture<PostgresServer>
{
    private protected override async Task<StorageOptions> NewStorageAsync() =>
        new() { Provider = "postgresql", ConnectionString = await postgres.NewSchemaAsync() };
}
