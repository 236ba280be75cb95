using Hl7.Fhir.Model;
using StmFhir.Exchange.Store;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Store;

/// <summary><see cref="IResourceStore.DeleteAsync"/>: versioned deletes, their history, and what they leave alone.</summary>
public abstract partial class ResourceStoreBehaviour
{
    [Fact]
    public async Task Delete_WritesAVersionWithoutContent_ThatHistoryShows_WhileReadAndSearchNoLongerFindIt()
    {
        await Store.CommitAsync(Put(WithId(NewPatient("DEL-1"), "del-1")));
        await Store.CommitAsync(Put(WithId(NewPatient("DEL-1", family: "Changed"), "del-1")));

        var result = await Store.DeleteAsync("Patient", "del-1", "test");

        Assert.Equal(DeleteOutcome.Deleted, result.Outcome);
        Assert.Equal(3, result.Tombstone!.Version);
        Assert.True(result.Tombstone.IsDeleted);
        Assert.NotNull(result.OutboxId);
        Assert.Null(await Store.ReadAsync("Patient", "del-1"));
        Assert.Equal([null], await Store.ReadAllAsync([("Patient", "del-1")]));
        var history = await Store.HistoryAsync("Patient", "del-1");
        Assert.Equal([3, 2, 1], history.Select(v => v.Version));
        Assert.Equal([true, false, false], history.Select(v => v.IsDeleted));
        Assert.Contains("Changed", (await Store.ReadVersionAsync("Patient", "del-1", 2))!.Json, StringComparison.Ordinal);
        Assert.True((await Store.ReadVersionAsync("Patient", "del-1", 3))!.IsDeleted);
        Assert.Equal(0, (await Store.SearchAsync(Parsed("Patient", $"identifier={Mrn}|DEL-1"))).Total);
        Assert.Equal(0, (await Store.SearchAsync(Parsed("Patient", "_sort=_lastUpdated"))).Total);
        var typeHistory = await Store.ChangesAsync(new ChangesQuery(["Patient"], 10, 0));
        Assert.Equal(3, typeHistory.Total);
        Assert.True(typeHistory.Versions[0].IsDeleted);
    }

    [Fact]
    public async Task Delete_OfADeletedResource_WritesNothing_AndOfAnUnknownOne_SaysNotFound()
    {
        await Store.CommitAsync(Put(WithId(NewPatient("DEL-2"), "del-2")));
        await Store.DeleteAsync("Patient", "del-2", "test");
        var rows = (await OutboxAsync()).Count;

        var again = await Store.DeleteAsync("Patient", "del-2", "test");
        var unknown = await Store.DeleteAsync("Patient", "never-stored", "test");

        Assert.Equal(DeleteOutcome.AlreadyDeleted, again.Outcome);
        Assert.Equal(2, again.Tombstone!.Version);
        Assert.Null(again.OutboxId);
        Assert.Equal(DeleteOutcome.NotFound, unknown.Outcome);
        Assert.Null(unknown.Tombstone);
        Assert.Equal(2, (await Store.HistoryAsync("Patient", "del-2")).Count);
        Assert.Equal(rows, (await OutboxAsync()).Count);
    }

    [Fact]
    public async Task WritingADeletedResourceAgain_CreatesItWithTheNextVersion_AndSearchFindsItAgain()
    {
        await Store.CommitAsync(Put(WithId(NewPatient("DEL-3"), "del-3")));
        await Store.DeleteAsync("Patient", "del-3", "test");

        var again = await Store.CommitAsync(Put(WithId(NewPatient("DEL-3"), "del-3")));

        Assert.Equal(ChangeOutcome.Created, again.Entries[0].Outcome);
        Assert.Equal(3, again.Entries[0].Resource.Version);
        Assert.Equal(3, (await Store.ReadAsync("Patient", "del-3"))!.Version);
        Assert.Equal(1, (await Store.SearchAsync(Parsed("Patient", $"identifier={Mrn}|DEL-3"))).Total);
        // Deleted again: the next version again, not the first delete's.
        Assert.Equal(4, (await Store.DeleteAsync("Patient", "del-3", "test")).Tombstone!.Version);
    }

    [Fact]
    public async Task Delete_OfAPatientThatCurrentResourcesReferTo_IsRefusedNamingThem_AndWritesNothing()
    {
        await Store.CommitAsync(Put(WithId(NewPatient("DEL-4"), "del-4"), ObservationOf("del-4-obs", "del-4")));
        var rows = (await OutboxAsync()).Count;

        var refusal = await Assert.ThrowsAsync<StoreRejectedException>(() => Store.DeleteAsync("Patient", "del-4", "test"));

        Assert.Equal(StoreRejection.Conflict, refusal.Reason);
        Assert.Contains("Observation/del-4-obs", refusal.Message, StringComparison.Ordinal);
        Assert.NotNull(await Store.ReadAsync("Patient", "del-4"));
        Assert.Single(await Store.HistoryAsync("Patient", "del-4"));
        Assert.Equal(rows, (await OutboxAsync()).Count);

        // Once the referrer is gone, the patient can go.
        Assert.Equal(DeleteOutcome.Deleted, (await Store.DeleteAsync("Observation", "del-4-obs", "test")).Outcome);
        Assert.Equal(DeleteOutcome.Deleted, (await Store.DeleteAsync("Patient", "del-4", "test")).Outcome);
    }

    [Fact]
    public async Task Delete_WritesAnOutboxRowThatMarksTheVersionAsADelete()
    {
        await Store.CommitAsync(Put(ObservationOf("del-5", "someone")));

        var result = await Store.DeleteAsync("Observation", "del-5", "fhir-rest");

        var row = (await OutboxAsync()).Single(r => r.Id == result.OutboxId);
        Assert.Equal("fhir-rest", row.Source);
        Assert.Contains("\"id\":\"del-5\",\"version\":2,\"deleted\":true", row.Payload, StringComparison.Ordinal);
    }
}
