using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Pull;
using StmFhir.Exchange.Store;
using StmFhir.Exchange.Tests.Peer;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Pull;

/// <summary>
/// <c>Procedure?_lastUpdated=ge...</c> pulls from the real FHIR peer into a real SQLite file: what is stored equals what
/// was at the peer, a re-pull writes nothing, only what changed is updated, paging is followed, data pushed from here
/// is recognised, nothing pulled is queued back to its origin, and the watermark survives a restart.
/// </summary>
/// <remarks>
/// The peer validates as a strict Medplum does, R4's ras-2 applied literally included: sessions pushed from here arrive
/// in the literal ras-2 form (learned from its refusal), sessions created elsewhere are written in it, and both pull
/// back to the session they were.
/// </remarks>
[Collection(PeerCollection.Name)]
public sealed class PullTests(PeerFhirServer peer) : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "stmfhir-pull-" + Guid.NewGuid().ToString("N"));
    private PullHarness _harness = null!;

    public async Task InitializeAsync()
    {
        await peer.ResetAsync();
        _harness = await PullHarness.StartAsync(peer, _folder);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await peer.ResetAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task RestartAsync(int pageSize = 100)
    {
        await _harness.DisposeAsync();
        _harness = await PullHarness.StartAsync(peer, _folder, pageSize);
    }

    private static StmSession Changed(StmSession session, string notes) => session with { Notes = notes };

    [Fact]
    public async Task EverySampleSessionAtThePeer_PulledInSmallPages_IsStoredAsItWas()
    {
        var samples = TestFiles.AllSampleSessions();
        // Half pushed by another StmFhir (deterministic ids, people matched by identifier), half created by another
        // system (the peer's ids; people created again, so the pushes go first: their conditional creates would find two).
        foreach (var sample in samples.Where((_, i) => i % 2 == 0))
        {
            await _harness.PushToPeerAsync(sample);
        }
        foreach (var sample in samples.Where((_, i) => i % 2 == 1))
        {
            await _harness.CreateElsewhereAsync(StmBundleMapper.ToBundle(sample));
        }
        await RestartAsync(pageSize: 4);

        var result = await _harness.PullAsync();

        Assert.True(result.Succeeded, result.Error + string.Join("\n", result.Failures));
        Assert.Equal(new { Fetched = samples.Count, Created = samples.Count, Updated = 0, Unchanged = 0, Skipped = 0, Failed = 0 },
            new { result.Counts.Fetched, result.Counts.Created, result.Counts.Updated, result.Counts.Unchanged, result.Counts.Skipped, result.Counts.Failed });
        Assert.True(result.Counts.Pages >= 4, $"{result.Counts.Pages} pages");
        foreach (var sample in samples)
        {
            Assert.Equal(StmSessionWriter.Write(sample), await _harness.StoredSessionJsonAsync(sample));
        }
        Assert.NotNull(result.Watermark);
    }

    [Fact]
    public async Task PullingAgain_WritesNoVersionAndNoOutboxRow()
    {
        var sessions = Enumerable.Range(1, 3).Select(i => TestSessions.Session($"PULL-AGAIN-{i}", painScores: 2, romMeasurements: 1)).ToList();
        foreach (var session in sessions)
        {
            await _harness.PushToPeerAsync(session);
        }
        var first = await _harness.PullAsync();
        Assert.Equal(3, first.Counts.Created);
        var outboxRows = (await _harness.Outbox.ListAsync()).Count;

        var second = await _harness.PullAsync();

        Assert.True(second.Succeeded, second.Error);
        Assert.Equal(0, second.Counts.Created + second.Counts.Updated);
        // ge re-reads the Procedure (and the Observation and RiskAssessment) at each watermark; stored again unchanged.
        Assert.InRange(second.Counts.Unchanged, 1, 3);
        Assert.Equal(outboxRows, (await _harness.Outbox.ListAsync()).Count);
        foreach (var session in sessions)
        {
            var history = await _harness.Store.HistoryAsync("Procedure", ProcedureId(session));
            Assert.Single(history);
        }
    }

    [Fact]
    public async Task ASessionChangedAtThePeer_IsUpdatedAndOnlyIt()
    {
        var sessions = Enumerable.Range(1, 3).Select(i => TestSessions.Session($"PULL-CHANGE-{i}", painScores: 1)).ToList();
        foreach (var session in sessions)
        {
            await _harness.PushToPeerAsync(session);
        }
        await _harness.PullAsync();
        var changed = Changed(sessions[0], "Tolerated well; home exercise programme given.");
        await _harness.PushToPeerAsync(changed);

        var result = await _harness.PullAsync();

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(0, result.Counts.Created);
        Assert.Equal(1, result.Counts.Updated);
        Assert.Equal(2, (await _harness.Store.ReadAsync("Procedure", ProcedureId(changed)))!.Version);
        Assert.Equal(1, (await _harness.Store.ReadAsync("Procedure", ProcedureId(sessions[1])))!.Version);
        Assert.Equal(1, (await _harness.Store.ReadAsync("Procedure", ProcedureId(sessions[2])))!.Version);
        Assert.Equal(StmSessionWriter.Write(changed), await _harness.StoredSessionJsonAsync(changed));
    }

    [Fact]
    public async Task APainScoreChangedAtThePeerAlone_UpdatesItsSession()
    {
        var session = TestSessions.Session("PULL-PART-OBS", painScores: 2);
        await _harness.PushToPeerAsync(session);
        // A later Procedure holds the Procedure watermark, so only the scan of the changed part can find the session.
        await _harness.PushToPeerAsync(TestSessions.Session("PULL-PART-OBS-LATER"));
        await _harness.PullAsync();
        var procedureVersion = await PeerVersionAsync(session);
        var changed = session with { PainScores = [session.PainScores[0], session.PainScores[1] with { Score = 1 }] };
        await _harness.PushToPeerAsync(changed);
        Assert.Equal(procedureVersion, await PeerVersionAsync(session));

        var result = await _harness.PullAsync();

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(new { Created = 0, Updated = 1 }, new { result.Counts.Created, result.Counts.Updated });
        Assert.Equal(StmSessionWriter.Write(changed), await _harness.StoredSessionJsonAsync(changed));
        Assert.Single(await _harness.Store.HistoryAsync("Procedure", ProcedureId(session)));
    }

    [Fact]
    public async Task AScreeningChangedAtThePeerAlone_UpdatesItsSession()
    {
        var session = TestSessions.Session("PULL-PART-RA");
        await _harness.PushToPeerAsync(session);
        // A later Procedure holds the Procedure watermark, so only the scan of the changed part can find the session.
        await _harness.PushToPeerAsync(TestSessions.Session("PULL-PART-RA-LATER"));
        await _harness.PullAsync();
        var procedureVersion = await PeerVersionAsync(session);
        var changed = session with { Screening = session.Screening! with { Result = ScreeningResult.Precautions } };
        await _harness.PushToPeerAsync(changed);
        Assert.Equal(procedureVersion, await PeerVersionAsync(session));

        var result = await _harness.PullAsync();

        Assert.Equal(new { Created = 0, Updated = 1 }, new { result.Counts.Created, result.Counts.Updated });
        Assert.Equal(StmSessionWriter.Write(changed), await _harness.StoredSessionJsonAsync(changed));
    }

    [Fact]
    public async Task ASessionPushedFromHere_PulledBack_IsRecognisedAndNotDuplicated()
    {
        var session = TestSessions.Session("PULL-ROUNDTRIP", painScores: 2, romMeasurements: 2);
        await _harness.Store.CommitAsync(TransactionBundles.ToChangeSet(StmBundleMapper.ToBundle(session), "stm-session"));
        // What the dispatcher does with the row: claim, build the Bundle from the stored versions, deliver, mark delivered.
        var claim = Assert.Single(await _harness.Outbox.ClaimAsync(PullHarness.Target, 10, DateTimeOffset.UtcNow.AddMinutes(1)));
        var delivered = await _harness.Deliverer.DeliverAsync(new StmFhir.Exchange.Push.DeliveryRequest(PullHarness.Target, await OutboxBundles.BuildAsync(_harness.Store, claim.Payload, default)));
        Assert.True(delivered.Succeeded, delivered.Failure?.Message);
        await _harness.Outbox.MarkDeliveredAsync(claim, []);

        var result = await _harness.PullAsync();

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(new { Created = 0, Updated = 0, Unchanged = 1 }, new { result.Counts.Created, result.Counts.Updated, result.Counts.Unchanged });
        Assert.Single(await _harness.Outbox.ListAsync());
        Assert.Equal(1, (await _harness.Store.SearchAsync(new SearchQuery("Procedure", [], 100, 0))).Total);
        Assert.Single(await _harness.Store.HistoryAsync("Procedure", ProcedureId(session)));
    }

    [Fact]
    public async Task ASessionCreatedElsewhere_IsQueuedForOtherTargetsButNotBackToItsOrigin()
    {
        await _harness.CreateElsewhereAsync(StmBundleMapper.ToBundle(TestSessions.Session("PULL-ORIGIN", painScores: 1)));

        var result = await _harness.PullAsync();

        Assert.Equal(1, result.Counts.Created);
        Assert.Empty(await _harness.Outbox.ClaimAsync(PullHarness.Target, 10, DateTimeOffset.UtcNow.AddMinutes(1)));
        var forOther = Assert.Single(await _harness.Outbox.ClaimAsync("another-target", 10, DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Equal("pull:" + PullHarness.Target, forOther.Source);
        var counts = await _harness.Outbox.CountAsync([PullHarness.Target]);
        Assert.Equal(1, counts.Single(c => c.Target == PullHarness.Target).Delivered);
        Assert.Equal(0, counts.Single(c => c.Target == PullHarness.Target).Pending);
    }

    [Fact]
    public async Task AProcedureThatIsNoStmSession_IsSkippedAndCounted()
    {
        await _harness.PushToPeerAsync(TestSessions.Session("PULL-SKIP"));
        await _harness.PostAsync("Procedure", new Procedure
        {
            Status = EventStatus.Completed,
            Code = new CodeableConcept("http://snomed.info/sct", "80146002", "Appendectomy"),
            Subject = new ResourceReference("Patient/someone-else"),
        });

        var result = await _harness.PullAsync();

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal(new { Fetched = 2, Created = 1, Skipped = 1, Failed = 0 },
            new { result.Counts.Fetched, result.Counts.Created, result.Counts.Skipped, result.Counts.Failed });
    }

    [Fact]
    public async Task AProcedureWhoseSessionIsBroken_IsReportedByIdAndTheRestAreStored()
    {
        await _harness.PushToPeerAsync(TestSessions.Session("PULL-GOOD-1"));
        var broken = StmBundleMapper.ToBundle(TestSessions.Session("PULL-BROKEN", painScores: 1));
        broken.Entry.Select(e => e.Resource).OfType<Observation>().Single().Value = null;
        var brokenId = await _harness.CreateElsewhereAsync(broken);
        var good = TestSessions.Session("PULL-GOOD-2");
        await _harness.PushToPeerAsync(good);

        var result = await _harness.PullAsync();

        Assert.False(result.Succeeded);
        Assert.Null(result.Error);
        Assert.Equal(new { Created = 2, Failed = 1 }, new { result.Counts.Created, result.Counts.Failed });
        var failure = Assert.Single(result.Failures);
        Assert.Equal(brokenId, failure.ProcedureId);
        Assert.NotNull(failure.Version);
        var issue = Assert.Single(failure.Issues);
        Assert.Equal(PullIssueCodes.NotASession, issue.Code);
        Assert.Contains("valueInteger", issue.Expression, StringComparison.Ordinal);
        Assert.NotNull(await _harness.Store.ReadAsync("Procedure", ProcedureId(good)));
        var state = await _harness.State.GetPullStateAsync(PullHarness.Target);
        Assert.Equal(failure, Assert.Single(state!.Failures));
    }

    [Fact]
    public async Task TheWatermark_SurvivesARestart_AndTheNextPullReadsOnlyFromIt()
    {
        await _harness.PushToPeerAsync(TestSessions.Session("PULL-RESTART-1"));
        await _harness.PushToPeerAsync(TestSessions.Session("PULL-RESTART-2"));
        var first = await _harness.PullAsync();
        Assert.Equal(2, first.Counts.Created);

        await RestartAsync();
        var state = await _harness.State.GetPullStateAsync(PullHarness.Target);
        Assert.Equal(first.Watermark, state!.Watermark);
        Assert.Equal(first.Counts, state.LastCounts);
        await _harness.PushToPeerAsync(TestSessions.Session("PULL-RESTART-3"));
        var second = await _harness.PullAsync();

        Assert.Equal(first.Watermark, second.Since);
        Assert.Equal(new { Fetched = 2, Created = 1, Unchanged = 1 }, new { second.Counts.Fetched, second.Counts.Created, second.Counts.Unchanged });
        // Instants, not strings: the fraction has as many digits as it needs ("08Z" is later than "07.5Z").
        Assert.True(DateTimeOffset.Parse(second.Watermark!, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.Parse(first.Watermark!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Since_OverridesTheWatermarkButNeverMovesItBack()
    {
        await _harness.PushToPeerAsync(TestSessions.Session("PULL-SINCE-1"));
        await _harness.PushToPeerAsync(TestSessions.Session("PULL-SINCE-2"));
        var first = await _harness.PullAsync();

        var again = await _harness.PullAsync(since: DateTimeOffset.UnixEpoch);

        Assert.Equal(new { Fetched = 2, Unchanged = 2 }, new { again.Counts.Fetched, again.Counts.Unchanged });
        Assert.Equal(first.Watermark, (await _harness.State.GetPullStateAsync(PullHarness.Target))!.Watermark);
    }

    [Fact]
    public async Task AnUnreachableTarget_StopsThePullWithAnErrorAndKeepsTheWatermark()
    {
        await _harness.PushToPeerAsync(TestSessions.Session("PULL-DOWN"));
        var first = await _harness.PullAsync();
        await peer.SetFaultsAsync("""{"steps":[{"kind":"status","status":503,"times":100}]}""");

        var result = await _harness.PullAsync();
        await peer.ClearFaultsAsync();

        Assert.False(result.Succeeded);
        Assert.Contains("503", result.Error, StringComparison.Ordinal);
        var state = await _harness.State.GetPullStateAsync(PullHarness.Target);
        Assert.Equal(first.Watermark, state!.Watermark);
        Assert.Equal(result.Error, state.LastError);
    }

    private async Task<string?> PeerVersionAsync(StmSession session)
    {
        using var client = peer.CreateClient();
        var json = await client.GetStringAsync($"Procedure/{ProcedureId(session)}");
        return FhirJson.Deserialize<Procedure>(json).Meta?.VersionId;
    }

    private static string ProcedureId(StmSession session) => StmBundleMapper.ToBundle(session).Entry.Single(e => e.Resource is Procedure).Resource!.Id!;
}
