using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Exchange.Store;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Store;

/// <summary>People's business identifiers stay unique, so intake's match by identifier has one answer.</summary>
public abstract partial class ResourceStoreBehaviour
{
    private static Practitioner NewPractitioner(string id, string npi) => new()
    {
        Id = id,
        Identifier = [new Identifier("http://hl7.org/fhir/sid/us-npi", npi)],
    };

    private static ChangeSet Create(Resource resource, string? ifNoneExist = null, string? fullUrl = null) =>
        new([new Change(ChangeMethod.Create, resource) { IfNoneExist = ifNoneExist, FullUrl = fullUrl }], "test");

    [Fact]
    public async Task Create_OfASecondPatientWithAnExistingIdentifier_IsAConflictNamingTheExistingOne_AndWritesNothing()
    {
        await Store.CommitAsync(Put(WithId(NewPatient("DUP-1"), "first")));

        var error = await Assert.ThrowsAsync<StoreRejectedException>(() => Store.CommitAsync(Create(NewPatient("DUP-1", "Other"))));

        Assert.Equal(StoreRejection.Conflict, error.Reason);
        Assert.Contains("Patient/first", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("DUP-1", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await SearchAsync("Patient", $"identifier={Mrn}|DUP-1")).Total);
        Assert.Single(await OutboxAsync());
    }

    [Fact]
    public async Task UpdateAsCreate_OfASecondPatientWithAnExistingIdentifier_IsAConflict()
    {
        await Store.CommitAsync(Put(WithId(NewPatient("DUP-2"), "first")));

        var error = await Assert.ThrowsAsync<StoreRejectedException>(() => Store.CommitAsync(Put(WithId(NewPatient("DUP-2"), "second"))));

        Assert.Equal(StoreRejection.Conflict, error.Reason);
        Assert.Null(await Store.ReadAsync("Patient", "second"));
    }

    [Fact]
    public async Task Update_ThatGivesAPatientAnotherPatientsIdentifier_IsAConflict_WhileKeepingItsOwnIsFine()
    {
        await Store.CommitAsync(Put(WithId(NewPatient("DUP-3A"), "a"), WithId(NewPatient("DUP-3B"), "b")));

        var error = await Assert.ThrowsAsync<StoreRejectedException>(() => Store.CommitAsync(Put(WithId(NewPatient("DUP-3A", "Taken"), "b"))));
        var kept = await Store.CommitAsync(Put(WithId(NewPatient("DUP-3B", "Renamed"), "b")));

        Assert.Equal(StoreRejection.Conflict, error.Reason);
        Assert.Contains("Patient/a", error.Message, StringComparison.Ordinal);
        Assert.Equal(ChangeOutcome.Updated, Assert.Single(kept.Entries).Outcome);
    }

    [Fact]
    public async Task Transaction_WithTwoConditionalCreatesOfOneIdentifier_IsAConflict_AndWritesNothing()
    {
        var condition = $"identifier={Mrn}|DUP-4";
        var changes = new ChangeSet(
        [
            new Change(ChangeMethod.Create, NewPatient("DUP-4")) { IfNoneExist = condition, FullUrl = "urn:uuid:2b0c3f8e-0000-4b7e-9a37-3b7d9c6f2a11" },
            new Change(ChangeMethod.Create, NewPatient("DUP-4", "Twin")) { IfNoneExist = condition, FullUrl = "urn:uuid:2b0c3f8e-0001-4b7e-9a37-3b7d9c6f2a11" },
        ], "test");

        var error = await Assert.ThrowsAsync<StoreRejectedException>(() => Store.CommitAsync(changes));

        Assert.Equal(StoreRejection.Conflict, error.Reason);
        Assert.Equal(1, error.ChangeIndex);
        Assert.Equal(0, (await SearchAsync("Patient", $"identifier={Mrn}|DUP-4")).Total);
    }

    [Fact]
    public async Task Create_OfASecondPractitionerWithAnExistingIdentifier_IsAConflict_ButOtherTypesMayShareIdentifiers()
    {
        await Store.CommitAsync(Put(NewPractitioner("pr-1", "1234567893")));
        var observation = new Observation
        {
            Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "72514-3"), Identifier = [new Identifier(Mrn, "SHARED")],
        };
        await Store.CommitAsync(Create(observation));

        var error = await Assert.ThrowsAsync<StoreRejectedException>(() => Store.CommitAsync(Put(NewPractitioner("pr-2", "1234567893"))));
        var again = await Store.CommitAsync(Create(observation.DeepCopy()));

        Assert.Equal(StoreRejection.Conflict, error.Reason);
        Assert.Contains("Practitioner/pr-1", error.Message, StringComparison.Ordinal);
        Assert.Equal(ChangeOutcome.Created, Assert.Single(again.Entries).Outcome);
    }

    [Fact]
    public async Task ConcurrentCreatesOfPatientsWithOneIdentifier_StoreExactlyOne()
    {
        var attempts = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
        {
            try
            {
                await Store.CommitAsync(Put(WithId(NewPatient("DUP-RACE"), $"race-{i}")));
                return true;
            }
            catch (StoreRejectedException e) when (e.Reason == StoreRejection.Conflict)
            {
                return false;
            }
        })));

        Assert.Single(attempts, stored => stored);
        Assert.Equal(1, (await SearchAsync("Patient", $"identifier={Mrn}|DUP-RACE")).Total);
    }

    [Fact]
    public async Task DuplicatesStoredWhileAllowed_AreListed_AndAConditionalCreateUsesTheOldest()
    {
        await using (var allowing = (IAsyncDisposable)await CreateStoreAsync(o => o.AllowDuplicatePersonIdentifiers = true))
        {
            var store = (IResourceStore)allowing;
            await store.CommitAsync(Put(WithId(NewPatient("MRN-0048213", "Older"), "zz-older")));
            await Task.Delay(20); // a later first version; its id sorts first, so only the time can make the other the oldest
            await store.CommitAsync(Put(WithId(NewPatient("MRN-0048213", "Newer"), "aa-newer")));
            await store.CommitAsync(Put(NewPractitioner("only-one", "1234567893")));
        }

        var listed = await Store.DuplicateIdentifiersAsync(10);
        var session = await Store.CommitAsync(TransactionBundles.ToChangeSet(SessionBundle("STM-DUP-1"), "stm-session"));
        var updated = await Store.CommitAsync(Put(WithId(NewPatient("MRN-0048213", "Newer, renamed"), "aa-newer")));

        var duplicate = Assert.Single(listed);
        Assert.Equal(("Patient", Mrn), (duplicate.ResourceType, duplicate.System));
        Assert.Equal(["zz-older", "aa-newer"], duplicate.Ids);
        Assert.Equal((ChangeOutcome.Matched, "zz-older"), (session.Entries[0].Outcome, session.Entries[0].Resource.Id));
        Assert.Equal(ChangeOutcome.Updated, Assert.Single(updated.Entries).Outcome);
        var procedure = FhirJson.Deserialize<Procedure>(session.Entries.Single(e => e.Resource.Type == "Procedure").Resource.Json);
        Assert.Equal("Patient/zz-older", procedure.Subject.Reference);
    }

    [Fact]
    public async Task DuplicateIdentifiers_WithNone_IsEmpty_AndOneResourceCarryingAnIdentifierTwiceIsNoDuplicate()
    {
        var patient = WithId(NewPatient("TWICE"), "twice");
        patient.Identifier.Add(new Identifier(Mrn, "TWICE"));
        await Store.CommitAsync(Put(patient));

        Assert.Empty(await Store.DuplicateIdentifiersAsync(10));
    }
}
