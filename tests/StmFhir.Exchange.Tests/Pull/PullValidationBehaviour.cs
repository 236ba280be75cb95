using System.Text.Json;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Core.Validation;
using StmFhir.Exchange.Pull;
using StmFhir.Exchange.Store;
using StmFhir.Exchange.Tests.Peer;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Pull;

/// <summary>
/// Pulled sessions meet the validation engine as intake's do, on both databases: a session at the real peer that breaks
/// a clinical rule is not stored and stays listed per Procedure (id, version, codes, locations; no content) until a pull
/// reads a corrected version, which is stored and clears it; the valid sessions of the same pull are stored.
/// </summary>
public abstract class PullValidationBehaviour(PeerFhirServer peer) : IAsyncLifetime
{
    private PullHarness _harness = null!;

    private protected abstract Task<StorageOptions> NewStorageAsync();

    public async Task InitializeAsync()
    {
        await peer.ResetAsync();
        _harness = await PullHarness.StartAsync(peer, await NewStorageAsync());
    }

    public virtual async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await peer.ResetAsync();
    }

    [Fact]
    public async Task AnInvalidSessionAtThePeer_IsNotStoredAndListedUntilACorrectedVersionIsPulled()
    {
        var valid = TestSessions.Session("PULL-CHECK-VALID", painScores: 2, romMeasurements: 1);
        await _harness.PushToPeerAsync(valid);
        // 340 degrees of elbow flexion: within the session format's 0-360, beyond any plausible measurement (STM-CLIN-004).
        var implausible = TestSessions.Session("PULL-CHECK-ROM", romMeasurements: 1) is var s
            ? s with { RomMeasurements = [s.RomMeasurements[0] with { Degrees = 340 }] }
            : null!;
        var implausibleId = await _harness.CreateElsewhereAsync(StmBundleMapper.ToBundle(implausible));
        // Completed although the screening said contraindicated (STM-CLIN-001).
        var contraindicated = TestSessions.Session("PULL-CHECK-CONTRA") is var c
            ? c with { Screening = c.Screening! with { Result = ScreeningResult.Contraindicated } }
            : null!;
        var contraindicatedId = await _harness.CreateElsewhereAsync(StmBundleMapper.ToBundle(contraindicated));

        var first = await _harness.PullAsync();

        Assert.Null(first.Error);
        Assert.True(first.Counts is { Created: 1, Failed: 2 }, $"{first.Counts}: " + JsonSerializer.Serialize(first.Failures));
        Assert.NotNull(await _harness.Store.ReadAsync("Procedure", ProcedureId(valid)));
        Assert.Null(await _harness.Store.ReadAsync("Procedure", ProcedureId(implausible)));
        Assert.Null(await _harness.Store.ReadAsync("Procedure", ProcedureId(contraindicated)));
        var rom = first.Failures.Single(f => f.ProcedureId == implausibleId);
        Assert.Equal(await PeerVersionAsync(implausibleId), rom.Version);
        Assert.Equal(new PullIssue(IssueCodes.RomImplausible, "Bundle.entry[3].resource.valueQuantity.value", "$.romMeasurements[0].degrees"), Assert.Single(rom.Issues));
        Assert.Contains(first.Failures.Single(f => f.ProcedureId == contraindicatedId).Issues, i => i.Code == IssueCodes.PerformedDespiteContraindication);
        var listed = (await _harness.State.GetPullStateAsync(PullHarness.Target))!.Failures;
        Assert.Equal(new[] { contraindicatedId, implausibleId }.Order(StringComparer.Ordinal), listed.Select(f => f.ProcedureId).Order(StringComparer.Ordinal));
        Assert.Equal(first.Failures.OrderBy(f => f.ProcedureId, StringComparer.Ordinal), listed.OrderBy(f => f.ProcedureId, StringComparer.Ordinal));
        // Ids and codes only: nothing of the patient.
        var kept = JsonSerializer.Serialize(listed);
        Assert.DoesNotContain("Lindqvist", kept, StringComparison.Ordinal);
        Assert.DoesNotContain("MRN-PULL-CHECK", kept, StringComparison.Ordinal);

        // Corrected at the peer: the measurement is changed there, its Procedure is not.
        var observation = Assert.Single(await _harness.SearchPeerAsync<Observation>($"Observation?part-of=Procedure/{implausibleId}"));
        Assert.IsType<Quantity>(observation.Value).Value = 130;
        await _harness.PutAsync(observation);
        var second = await _harness.PullAsync();

        Assert.Null(second.Error);
        // ge re-reads what sits at a watermark, which may be the contraindicated session: failing again, it stays listed.
        Assert.All(second.Failures, f => Assert.Equal(contraindicatedId, f.ProcedureId));
        Assert.Equal([implausibleId], second.Cleared);
        Assert.Equal(1, second.Counts.Created);
        Assert.NotNull(await _harness.Store.ReadAsync("Procedure", ProcedureId(implausible)));
        // Unchanged at the peer, so still listed.
        Assert.Equal([contraindicatedId], (await _harness.State.GetPullStateAsync(PullHarness.Target))!.Failures.Select(f => f.ProcedureId));
    }

    private async Task<string?> PeerVersionAsync(string procedureId) =>
        Assert.Single(await _harness.SearchPeerAsync<Procedure>($"Procedure?_id={procedureId}")).Meta?.VersionId;

    private static string ProcedureId(StmSession session) => StmBundleMapper.ToBundle(session).Entry.Single(e => e.Resource is Procedure).Resource!.Id!;
}

/// <summary>Pull's validation into a real SQLite file.</summary>
[Collection(PeerCollection.Name)]
public sealed class SqlitePullValidationTests(PeerFhirServer peer) : PullValidationBehaviour(peer)
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "stmfhir-pullcheck-" + Guid.NewGuid().ToString("N"));

    private protected override Task<StorageOptions> NewStorageAsync() => Task.FromResult(new StorageOptions { DataDirectory = _folder });

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>
/// Pull's validation into a real PostgreSQL 15 (a fresh schema). In the peer's collection, so PostgreSQL comes as a class
/// fixture: a cluster of its own for this class.
/// </summary>
[Collection(PeerCollection.Name)]
public sealed class PostgresPullValidationTests(PeerFhirServer peer, PostgresServer postgres) : PullValidationBehaviour(peer), IClassFixture<PostgresServer>
{
    private protected override async Task<StorageOptions> NewStorageAsync() =>
        new() { Provider = "postgresql", ConnectionString = await postgres.NewSchemaAsync() };
}
