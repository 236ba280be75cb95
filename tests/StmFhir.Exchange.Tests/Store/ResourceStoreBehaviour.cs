using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Store;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Store;

/// <summary>
/// The behaviour every <see cref="IResourceStore"/> must show. Each database has a subclass that supplies a fresh,
/// empty store per test; the tests themselves are shared so the databases cannot drift apart.
/// </summary>
public abstract partial class ResourceStoreBehaviour : IAsyncLifetime
{
    private const string Mrn = "https://example-hospital.org/mrn";

    private protected IResourceStore Store { get; private set; } = null!;

    /// <summary>A store on this test's database (the same one on every call), with <paramref name="configure"/> applied to its options.</summary>
    private protected abstract Task<IResourceStore> CreateStoreAsync(Action<StorageOptions>? configure = null);

    private Task<IReadOnlyList<(long Id, string Source, string Payload)>> OutboxAsync() => ((OutboxStore)Store.Outbox()).RowsAsync();

    public async Task InitializeAsync()
    {
        Store = await CreateStoreAsync();
        await Store.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (Store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    private static Patient NewPatient(string mrn, string family = "Doe") => new()
    {
        Identifier = [new Identifier(Mrn, mrn)],
        Name = [new HumanName { Family = family }],
    };

    private static Patient WithId(Patient patient, string id)
    {
        patient.Id = id;
        return patient;
    }

    private static ChangeSet Put(params Resource[] resources) =>
        new([.. resources.Select(r => new Change(ChangeMethod.Update, r))], "test");

    private static Bundle SessionBundle(string sessionId = "STM-T-0001", int prePain = 6, string family = "Hoffmann")
    {
        var result = StmSessionReader.Read(SessionJson.Text(sessionId, family, prePain: prePain));
        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        return StmBundleMapper.ToBundle(result.Session!);
    }

    [Fact]
    public async Task ReadAll_GivesTheCurrentVersionsInTheOrderAsked_AndNullWhereThereIsNone()
    {
        await Store.CommitAsync(Put(WithId(NewPatient("RA-1"), "ra-1")));
        await Store.CommitAsync(Put(WithId(NewPatient("RA-2"), "ra-2")));
        await Store.CommitAsync(Put(WithId(NewPatient("RA-1", family: "Changed"), "ra-1")));

        var found = await Store.ReadAllAsync([("Patient", "ra-2"), ("Patient", "missing"), ("Patient", "ra-1")]);

        Assert.Equal(["ra-2", null, "ra-1"], found.Select(r => r?.Id));
        Assert.Equal(2, found[2]!.Version);
    }

    [Fact]
    public async Task ReadAll_OfManyKeysOfSeveralTypesWithRepeats_GivesEachInTheOrderAsked()
    {
        await Store.CommitAsync(Put(WithId(NewPatient("RB-1"), "rb-1")));
        var observation = new Observation { Id = "rb-1", Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "72514-3") };
        await Store.CommitAsync(new ChangeSet([new Change(ChangeMethod.Update, observation)], "test"));
        // More keys than one query of the SQL stores takes, the found ones at both ends and repeated.
        List<(string Type, string Id)> keys = [("Observation", "rb-1"), .. Enumerable.Range(0, 1200).Select(i => ("Patient", $"none-{i}")), ("Patient", "rb-1"), ("Observation", "rb-1")];

        var found = await Store.ReadAllAsync(keys);

        Assert.Equal(keys.Count, found.Count);
        Assert.Equal(("Observation", "rb-1"), (found[0]!.Type, found[0]!.Id));
        Assert.All(found.Skip(1).Take(1200), Assert.Null);
        Assert.Equal(("Patient", "rb-1"), (found[^2]!.Type, found[^2]!.Id));
        Assert.Equal(("Observation", "rb-1"), (found[^1]!.Type, found[^1]!.Id));
    }

    [Fact]
    public async Task Outbox_SeveralDeliveriesRecordedTogether_AreDelivered_ExceptWhereTheClaimWasLost()
    {
        var outbox = Store.Outbox();
        await Store.CommitAsync(Put(WithId(NewPatient("MD-1"), "md-1")));
        await Store.CommitAsync(Put(WithId(NewPatient("MD-2"), "md-2")));
        var claims = await outbox.ClaimAsync("t", 10, DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.True(await outbox.RescheduleAsync(claims[1], DateTimeOffset.UtcNow, "handed back"));

        var recorded = await outbox.MarkDeliveredAsync([(claims[0], [new("Patient", "Patient/md-1", "x", "1", "created")]), (claims[1], [])]);

        Assert.Equal([true, false], recorded);
        var states = (await outbox.ListAsync()).ToDictionary(r => r.OutboxId, r => r.State);
        Assert.Equal(OutboxStates.Delivered, states[claims[0].OutboxId]);
        Assert.Equal(OutboxStates.Pending, states[claims[1].OutboxId]);
    }

    [Fact]
    public async Task Outbox_ClaimRecordAndReplay_MoveRowsThroughTheStates()
    {
        var outbox = Store.Outbox();
        await Store.CommitAsync(Put(WithId(NewPatient("OB-1"), "ob-1")));
        await Store.CommitAsync(Put(WithId(NewPatient("OB-2"), "ob-2")));
        await Store.CommitAsync(Put(WithId(NewPatient("OB-3"), "ob-3")));
        var lease = DateTimeOffset.UtcNow.AddMinutes(1);

        var claims = await outbox.ClaimAsync("t", 10, lease);
        Assert.Equal(3, claims.Count);
        Assert.All(claims, c => Assert.Equal(1, c.Attempts));
        Assert.Equal("Patient", claims[0].Payload.Resources[0].Type);
        Assert.Empty(await outbox.ClaimAsync("t", 10, lease));
        Assert.Equal(3, (await outbox.ClaimAsync("other", 10, lease)).Count);

        Assert.True(await outbox.MarkDeliveredAsync(claims[0], [new("Patient", "Patient/1", "x", "1", "created")]));
        Assert.False(await outbox.MarkDeliveredAsync(claims[0], []));
        Assert.True(await outbox.RescheduleAsync(claims[1], DateTimeOffset.UtcNow.AddMinutes(5), "down"));
        Assert.True(await outbox.DeadLetterAsync(claims[2], "refused", 422, """{"resourceType":"OperationOutcome"}"""));
        Assert.Empty(await outbox.ClaimAsync("t", 10, lease));

        var counts = Assert.Single(await outbox.CountAsync(), c => c.Target == "t");
        Assert.Equal(new OutboxTargetCounts("t", 1, 0, 1, 1), counts with { OldestPendingAt = null, LastError = null });
        Assert.NotNull(counts.OldestPendingAt);
        // The two failures may share a millisecond: the last error is one of them.
        Assert.NotNull(counts.LastError);
        Assert.Contains((counts.LastError.Message, counts.LastError.State), new[] { ("down", OutboxStates.Pending), ("refused", OutboxStates.Dead) });
        var dead = Assert.Single(await outbox.ListAsync(OutboxStates.Dead), r => r.Target == "t");
        Assert.Equal((claims[2].OutboxId, "refused", 422), (dead.OutboxId, dead.Error, dead.HttpStatus));

        Assert.Equal(1, await outbox.ReplayAsync(claims[2].OutboxId));
        var again = Assert.Single(await outbox.ClaimAsync("t", 10, lease));
        Assert.Equal(claims[2].OutboxId, again.OutboxId);
    }

    [Fact]
    public async Task Outbox_ConcurrentClaimers_NeverTakeTheSameRow()
    {
        var outbox = Store.Outbox();
        for (var i = 0; i < 8; i++)
        {
            await Store.CommitAsync(Put(WithId(NewPatient($"OB-C{i}"), $"ob-c{i}")));
        }
        var lease = DateTimeOffset.UtcNow.AddMinutes(1);

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => outbox.ClaimAsync("t", 1, lease))));

        var ids = claims.SelectMany(c => c).Select(c => c.OutboxId).ToList();
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        Assert.Equal(8, ids.Count + (await outbox.ClaimAsync("t", 10, lease)).Count);
    }

    [Fact]
    public async Task Outbox_Counts_IncludeRowsNotYetPickedUpForTheGivenTargets()
    {
        var outbox = Store.Outbox();
        await Store.CommitAsync(Put(WithId(NewPatient("OB-U1"), "ob-u1")));
        await Store.CommitAsync(Put(WithId(NewPatient("OB-U2"), "ob-u2")));
        Assert.Single(await outbox.ClaimAsync("t", 1, DateTimeOffset.UtcNow.AddMinutes(1)));

        var counts = await outbox.CountAsync(["t", "new"]);

        Assert.Equal([new OutboxTargetCounts("new", 2, 0, 0, 0), new OutboxTargetCounts("t", 1, 1, 0, 0)], counts.Select(c => c with { OldestPendingAt = null }));
        // Rows not added yet have no delivery row to date them; the added target's oldest waits since its commit.
        Assert.Equal((false, true), (counts[0].OldestPendingAt.HasValue, counts[1].OldestPendingAt.HasValue));
    }

    [Fact]
    public async Task Outbox_ExpiredLease_IsClaimedAgainAndTheOldClaimCannotRecord()
    {
        var outbox = Store.Outbox();
        await Store.CommitAsync(Put(WithId(NewPatient("OB-L"), "ob-l")));

        var first = Assert.Single(await outbox.ClaimAsync("t", 10, DateTimeOffset.UtcNow.AddSeconds(-1)));
        var second = Assert.Single(await outbox.ClaimAsync("t", 10, DateTimeOffset.UtcNow.AddMinutes(1)));

        Assert.Equal(2, second.Attempts);
        Assert.False(await outbox.MarkDeliveredAsync(first, []));
        Assert.True(await outbox.MarkDeliveredAsync(second, []));
    }

    [Fact]
    public async Task Outbox_Renew_ExtendsTheHoldersLease_AndFailsOnceAnotherTookTheRow()
    {
        var outbox = Store.Outbox();
        await Store.CommitAsync(Put(WithId(NewPatient("OB-R"), "ob-r")));
        var first = Assert.Single(await outbox.ClaimAsync("t", 10, DateTimeOffset.UtcNow.AddSeconds(-1)));

        Assert.True(await outbox.RenewAsync(first, DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Empty(await outbox.ClaimAsync("t", 10, DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.True(await outbox.RenewAsync(first, DateTimeOffset.UtcNow.AddSeconds(-1)));
        var second = Assert.Single(await outbox.ClaimAsync("t", 10, DateTimeOffset.UtcNow.AddMinutes(1)));

        Assert.False(await outbox.RenewAsync(first, DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.True(await outbox.MarkDeliveredAsync(second, []));
        Assert.False(await outbox.RenewAsync(second, DateTimeOffset.UtcNow.AddMinutes(1)));
    }

    [Fact]
    public async Task Initialize_CalledTwice_KeepsTheStoreUsable()
    {
        await Store.InitializeAsync();

        Assert.True(await Store.IsReachableAsync());
    }

    [Fact]
    public async Task Update_OfANewId_CreatesVersionOneWithMeta()
    {
        var result = await Store.CommitAsync(Put(new Patient { Id = "p1", Identifier = [new Identifier(Mrn, "1")] }));

        var entry = Assert.Single(result.Entries);
        Assert.Equal(ChangeOutcome.Created, entry.Outcome);
        var read = await Store.ReadAsync("Patient", "p1");
        Assert.NotNull(read);
        Assert.Equal(1, read.Version);
        var patient = FhirJson.Deserialize<Patient>(read.Json);
        Assert.Equal("1", patient.Meta!.VersionId);
        Assert.Equal(read.LastUpdated, patient.Meta.LastUpdated);
        Assert.NotNull(result.OutboxId);
    }

    [Fact]
    public async Task Update_WithSameContent_IsUnchangedAndWritesNothing()
    {
        await Store.CommitAsync(Put(new Patient { Id = "p1", Identifier = [new Identifier(Mrn, "1")] }));

        var again = await Store.CommitAsync(Put(new Patient { Id = "p1", Identifier = [new Identifier(Mrn, "1")] }));

        Assert.Equal(ChangeOutcome.Unchanged, Assert.Single(again.Entries).Outcome);
        Assert.Null(again.OutboxId);
        Assert.Single(await Store.HistoryAsync("Patient", "p1"));
        Assert.Single(await OutboxAsync());
    }

    [Fact]
    public async Task Update_WithChangedContent_AddsAVersionAndKeepsTheOld()
    {
        await Store.CommitAsync(Put(NewPatientWithId("p1", "Old")));

        var changed = await Store.CommitAsync(Put(NewPatientWithId("p1", "New")));

        Assert.Equal(ChangeOutcome.Updated, Assert.Single(changed.Entries).Outcome);
        var history = await Store.HistoryAsync("Patient", "p1");
        Assert.Equal([2, 1], history.Select(h => h.Version));
        var v1 = await Store.ReadVersionAsync("Patient", "p1", 1);
        Assert.Equal("Old", FhirJson.Deserialize<Patient>(v1!.Json).Name[0].Family);
        Assert.Equal("New", FhirJson.Deserialize<Patient>((await Store.ReadAsync("Patient", "p1"))!.Json).Name[0].Family);
        Assert.Null(await Store.ReadVersionAsync("Patient", "p1", 3));
    }

    private static Patient NewPatientWithId(string id, string family)
    {
        var patient = NewPatient("1", family);
        patient.Id = id;
        return patient;
    }

    [Fact]
    public async Task Update_WithStaleIfMatch_FailsWithPreconditionAndWritesNothing()
    {
        await Store.CommitAsync(Put(NewPatientWithId("p1", "A")));
        await Store.CommitAsync(Put(NewPatientWithId("p1", "B")));

        var stale = new ChangeSet(
        [
            new Change(ChangeMethod.Update, NewPatientWithId("p2", "Other")),
            new Change(ChangeMethod.Update, NewPatientWithId("p1", "C")) { IfMatchVersion = 1 },
        ], "test");
        var error = await Assert.ThrowsAsync<StoreRejectedException>(() => Store.CommitAsync(stale));

        Assert.Equal(StoreRejection.PreconditionFailed, error.Reason);
        Assert.Equal(1, error.ChangeIndex);
        Assert.Null(await Store.ReadAsync("Patient", "p2"));
        Assert.Equal(2, (await Store.ReadAsync("Patient", "p1"))!.Version);
        Assert.Equal(2, (await OutboxAsync()).Count);
    }

    [Fact]
    public async Task Update_WithCurrentIfMatch_Succeeds()
    {
        await Store.CommitAsync(Put(NewPatientWithId("p1", "A")));

        var result = await Store.CommitAsync(new ChangeSet([new Change(ChangeMethod.Update, NewPatientWithId("p1", "B")) { IfMatchVersion = 1 }], "test"));

        Assert.Equal(2, Assert.Single(result.Entries).Resource.Version);
    }

    [Fact]
    public async Task ConditionalCreate_WhenTheIdentifierExists_UsesTheExistingResourceAndRewritesReferences()
    {
        await Store.CommitAsync(Put(NewPatientWithId("existing", "Doe")));
        var changes = new ChangeSet(
        [
            new Change(ChangeMethod.Create, NewPatient("1")) { FullUrl = "urn:uuid:7d4c0e4e-4a5a-4b7e-9a37-3b7d9c6f2a11", IfNoneExist = $"identifier={Mrn}|1" },
            new Change(ChangeMethod.Update, new Observation
            {
                Id = "o1", Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "72514-3"),
                Subject = new ResourceReference("urn:uuid:7d4c0e4e-4a5a-4b7e-9a37-3b7d9c6f2a11"),
            }),
        ], "test");

        var result = await Store.CommitAsync(changes);

        Assert.Equal(ChangeOutcome.Matched, result.Entries[0].Outcome);
        Assert.Equal("existing", result.Entries[0].Resource.Id);
        var observation = FhirJson.Deserialize<Observation>((await Store.ReadAsync("Observation", "o1"))!.Json);
        Assert.Equal("Patient/existing", observation.Subject!.Reference);
    }

    [Fact]
    public async Task SessionBundle_WhosePatientExistsUnderAnotherId_PointsEveryReferenceAtTheExistingPatient()
    {
        // The patient arrived first by another way (a FHIR client, a pull) under an id other than the mapper's.
        var existing = NewPatient("MRN-0048213", "Hoffmann");
        existing.Id = "from-elsewhere";
        await Store.CommitAsync(Put(existing));

        var result = await Store.CommitAsync(TransactionBundles.ToChangeSet(SessionBundle(), "stm-session"));

        Assert.Equal(ChangeOutcome.Matched, result.Entries[0].Outcome);
        Assert.Equal("from-elsewhere", result.Entries[0].Resource.Id);
        var subjects = new List<string>();
        foreach (var entry in result.Entries.Skip(2))
        {
            var stored = FhirJson.Deserialize<Resource>((await Store.ReadAsync(entry.Resource.Type, entry.Resource.Id))!.Json);
            StmFhir.Core.Mapping.ResourceReferences.ForEach(stored, r =>
            {
                if (r.Reference?.StartsWith("Patient/", StringComparison.Ordinal) == true || r.Reference?.StartsWith("urn:", StringComparison.Ordinal) == true)
                {
                    subjects.Add(r.Reference);
                }
            });
        }
        Assert.NotEmpty(subjects);
        Assert.All(subjects, s => Assert.Equal("Patient/from-elsewhere", s));
    }

    [Fact]
    public async Task ConditionalCreate_WhenNoneExists_CreatesWithTheFullUrlUuid()
    {
        var changes = new ChangeSet(
            [new Change(ChangeMethod.Create, NewPatient("9")) { FullUrl = "urn:uuid:0f8d2d4c-1111-4b7e-9a37-3b7d9c6f2a11", IfNoneExist = $"identifier={Mrn}|9" }],
            "test");

        var result = await Store.CommitAsync(changes);

        Assert.Equal(ChangeOutcome.Created, result.Entries[0].Outcome);
        Assert.Equal("0f8d2d4c-1111-4b7e-9a37-3b7d9c6f2a11", result.Entries[0].Resource.Id);
    }

    [Theory]
    [InlineData("name=Doe")]
    [InlineData("identifier=1")]
    [InlineData("identifier=a|1&birthdate=2000")]
    public async Task ConditionalCreate_WithAnUnsupportedCondition_IsInvalid(string condition)
    {
        var error = await Assert.ThrowsAsync<StoreRejectedException>(() => Store.CommitAsync(new ChangeSet(
            [new Change(ChangeMethod.Create, NewPatient("1")) { IfNoneExist = condition }], "test")));

        Assert.Equal(StoreRejection.Invalid, error.Reason);
    }

    [Fact]
    public async Task Commit_OfAnUnsupportedType_IsInvalidAndWritesNothing()
    {
        var error = await Assert.ThrowsAsync<StoreRejectedException>(() => Store.CommitAsync(Put(NewPatientWithId("p", "A"), new Device { Id = "d" })));

        Assert.Equal(StoreRejection.Invalid, error.Reason);
        Assert.Null(await Store.ReadAsync("Patient", "p"));
    }

    [Fact]
    public async Task SessionBundle_CommittedTwice_IsStoredOnceWithOneOutboxRow()
    {
        var first = await Store.CommitAsync(TransactionBundles.ToChangeSet(SessionBundle(), "stm-session"));
        var second = await Store.CommitAsync(TransactionBundles.ToChangeSet(SessionBundle(), "stm-session"));

        Assert.All(first.Entries, e => Assert.Equal(ChangeOutcome.Created, e.Outcome));
        Assert.Equal([ChangeOutcome.Matched, ChangeOutcome.Matched], second.Entries.Take(2).Select(e => e.Outcome));
        Assert.All(second.Entries.Skip(2), e => Assert.Equal(ChangeOutcome.Unchanged, e.Outcome));
        Assert.Equal(first.Entries.Select(e => e.Resource.Id), second.Entries.Select(e => e.Resource.Id));
        Assert.Null(second.OutboxId);
        var outbox = Assert.Single(await OutboxAsync());
        Assert.Equal("stm-session", outbox.Source);
        Assert.Contains(first.Entries[2].Resource.Id, outbox.Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionBundle_WithAChangedMeasurement_UpdatesOnlyThatResource()
    {
        var first = await Store.CommitAsync(TransactionBundles.ToChangeSet(SessionBundle(prePain: 6), "stm-session"));

        var second = await Store.CommitAsync(TransactionBundles.ToChangeSet(SessionBundle(prePain: 7), "stm-session"));

        var updated = Assert.Single(second.Entries, e => e.Outcome == ChangeOutcome.Updated);
        Assert.Equal("Observation", updated.Resource.Type);
        Assert.Equal(2, updated.Resource.Version);
        Assert.NotNull(second.OutboxId);
        Assert.Equal(first.Entries.Count, second.Entries.Count);
    }

    [Fact]
    public async Task SessionBundle_References_PointAtStoredResources()
    {
        var result = await Store.CommitAsync(TransactionBundles.ToChangeSet(SessionBundle(), "stm-session"));

        var procedureEntry = result.Entries.Single(e => e.Resource.Type == "Procedure");
        var procedure = FhirJson.Deserialize<Procedure>(procedureEntry.Resource.Json);
        Assert.Equal($"Patient/{result.Entries[0].Resource.Id}", procedure.Subject.Reference);
        var observation = FhirJson.Deserialize<Observation>(result.Entries.First(e => e.Resource.Type == "Observation").Resource.Json);
        Assert.Equal($"Procedure/{procedureEntry.Resource.Id}", observation.PartOf[0].Reference);
    }

    [Fact]
    public async Task ConcurrentIdenticalCommits_StoreOneCopy()
    {
        var tasks = Enumerable.Range(0, 20).Select(_ => Task.Run(() => Store.CommitAsync(TransactionBundles.ToChangeSet(SessionBundle(), "stm-session"))));

        var results = await Task.WhenAll(tasks);

        Assert.Single(results, r => r.Changed);
        Assert.Single(await OutboxAsync());
        var patients = await Store.SearchAsync(new SearchQuery("Patient", [], 10, 0));
        Assert.Equal(1, patients.Total);
    }

    [Fact]
    public async Task ConcurrentCommits_WithOneRejected_CommitTheOthers_AndTheRejectedWritesNothing()
    {
        await Store.CommitAsync(Put(NewPatientWithId("p1", "A")));
        await Store.CommitAsync(Put(NewPatientWithId("p1", "B")));
        var stale = new ChangeSet(
        [
            new Change(ChangeMethod.Update, NewPatientWithId("p2", "Other")),
            new Change(ChangeMethod.Update, NewPatientWithId("p1", "C")) { IfMatchVersion = 1 },
        ], "test");

        // Sessions before and after the stale change set, all at once, so that on SQLite they share commit groups.
        var sessions = Enumerable.Range(0, 30).Select(i => TransactionBundles.ToChangeSet(SessionBundle($"STM-G-{i:000}"), "stm-session")).ToList();
        var commits = sessions.Take(15).Select(s => Task.Run(() => Store.CommitAsync(s)))
            .Append(Task.Run(() => Store.CommitAsync(stale)))
            .Concat(sessions.Skip(15).Select(s => Task.Run(() => Store.CommitAsync(s)))).ToList();
        await Task.WhenAll(commits.Select(c => c.ContinueWith(_ => { }, TaskScheduler.Default)));

        var error = Assert.IsType<StoreRejectedException>(commits[15].Exception?.InnerException);
        Assert.Equal(StoreRejection.PreconditionFailed, error.Reason);
        Assert.Null(await Store.ReadAsync("Patient", "p2"));
        Assert.Equal(2, (await Store.ReadAsync("Patient", "p1"))!.Version);
        Assert.All(commits.Where((_, i) => i != 15), c => Assert.True(c.Result.Changed));
        Assert.Equal(30, (await Store.SearchAsync(new SearchQuery("Procedure", [], 0, 0))).Total);
        Assert.Equal(2 + 30, (await OutboxAsync()).Count);
    }

    private async Task<SearchResult> SearchAsync(string type, string query, int count = 50, int maxValues = 100, int maxParameters = 10)
    {
        var parameters = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Select(p => KeyValuePair.Create(p[0], Uri.UnescapeDataString(p[1])));
        var parsed = SearchQueryParser.Parse(type, parameters, new SearchLimits(count, 100, maxValues, maxParameters));
        Assert.True(parsed.Query is not null, string.Join("; ", parsed.Problems));
        return await Store.SearchAsync(parsed.Query);
    }

    [Fact]
    public async Task Search_ByEachIndexedParameter_FindsTheSession()
    {
        var committed = await Store.CommitAsync(TransactionBundles.ToChangeSet(SessionBundle("S-1"), "stm-session"));
        await Store.CommitAsync(TransactionBundles.ToChangeSet(SessionBundle("S-2"), "stm-session"));
        var patientId = committed.Entries[0].Resource.Id;
        var procedureId = committed.Entries[2].Resource.Id;

        Assert.Equal(2, (await SearchAsync("Procedure", $"patient=Patient/{patientId}")).Total);
        Assert.Equal(2, (await SearchAsync("Procedure", $"subject={patientId}")).Total);
        Assert.Equal(1, (await SearchAsync("Procedure", "identifier=https://pt.example-clinic.org/stm|S-1")).Total);
        Assert.Equal(1, (await SearchAsync("Procedure", "identifier=S-2")).Total);
        Assert.Equal(0, (await SearchAsync("Procedure", "identifier=https://other.org|S-2")).Total);
        Assert.Equal(2, (await SearchAsync("Procedure", "code=http://www.ama-assn.org/go/cpt|97140")).Total);
        Assert.Equal(3, (await SearchAsync("Observation", $"part-of=Procedure/{procedureId}")).Total);
        Assert.Equal(2, (await SearchAsync("Observation", $"part-of=Procedure/{procedureId}&code=http://loinc.org|72514-3")).Total);
        Assert.Equal(1, (await SearchAsync("Patient", $"_id={patientId}")).Total);
        Assert.Equal(1, (await SearchAsync("Patient", $"identifier={Mrn}|MRN-0048213")).Total);
        Assert.Equal(1, (await SearchAsync("RiskAssessment", $"patient={patientId}&identifier=https://pt.example-clinic.org/stm|S-1/screening")).Total);
    }

    [Theory]
    [InlineData("date=2026-03-02", 2)]
    [InlineData("date=2026-03", 2)]
    [InlineData("date=2026-03-03", 0)]
    [InlineData("date=ge2026-03-02T08:40:00Z", 2)]
    [InlineData("date=gt2026-03-02T09:00:00Z", 0)]
    [InlineData("date=lt2026-03-02T08:31:00Z", 2)]
    [InlineData("date=lt2026-03-02T08:30:00Z", 0)]
    [InlineData("date=sa2026-03-01", 2)]
    [InlineData("date=eb2026-03-02", 0)]
    [InlineData("date=ne2026-03-02", 0)]
    [InlineData("date=ge2026-03-02&date=le2026-03-02", 2)]
    public async Task Search_ByDate_HonoursPrefixesAndPrecision(string query, int expected)
    {
        // performedPeriod 09:30-09:52 +01:00, i.e. 08:30-08:52 UTC.
        await Store.CommitAsync(TransactionBundles.ToChangeSet(SessionBundle("S-1"), "stm-session"));
        await Store.CommitAsync(TransactionBundles.ToChangeSet(SessionBundle("S-2"), "stm-session"));

        Assert.Equal(expected, (await SearchAsync("Procedure", query)).Total);
    }

    [Fact]
    public async Task Search_ByLastUpdated_SeesWhenResourcesWereWritten()
    {
        var before = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var after = DateTimeOffset.UtcNow.AddMinutes(1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        await Store.CommitAsync(TransactionBundles.ToChangeSet(SessionBundle(), "stm-session"));

        Assert.Equal(1, (await SearchAsync("Procedure", $"_lastUpdated=gt{before}")).Total);
        Assert.Equal(0, (await SearchAsync("Procedure", $"_lastUpdated=gt{after}")).Total);
    }

    [Fact]
    public async Task Search_Paging_ReturnsTotalAndStablePages()
    {
        for (var i = 0; i < 5; i++)
        {
            await Store.CommitAsync(Put(WithId(NewPatient($"PG-{i}"), $"p{i}")));
        }

        var page1 = await Store.SearchAsync(new SearchQuery("Patient", [], 2, 0));
        var page3 = await Store.SearchAsync(new SearchQuery("Patient", [], 2, 4));
        var countOnly = await Store.SearchAsync(new SearchQuery("Patient", [], 0, 0));

        Assert.Equal(5, page1.Total);
        Assert.Equal(2, page1.Resources.Count);
        Assert.Single(page3.Resources);
        Assert.Equal(5, countOnly.Total);
        Assert.Empty(countOnly.Resources);
        var all = (await Store.SearchAsync(new SearchQuery("Patient", [], 10, 0))).Resources.Select(r => r.Id).ToList();
        Assert.Equal(all.Take(2), page1.Resources.Select(r => r.Id));
    }

    [Fact]
    public async Task Search_OnlySeesCurrentVersions()
    {
        await Store.CommitAsync(Put(new Patient { Id = "p", Identifier = [new Identifier(Mrn, "old")] }));
        await Store.CommitAsync(Put(new Patient { Id = "p", Identifier = [new Identifier(Mrn, "new")] }));

        Assert.Equal(0, (await SearchAsync("Patient", "identifier=old")).Total);
        Assert.Equal(1, (await SearchAsync("Patient", "identifier=new")).Total);
    }
}
