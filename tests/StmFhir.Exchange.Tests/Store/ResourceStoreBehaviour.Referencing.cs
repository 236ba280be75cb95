using Hl7.Fhir.Model;
using StmFhir.Exchange.Store;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Store;

/// <summary><see cref="IResourceStore.ReferencingAsync"/>: a patient's resources, read from the search index outwards.</summary>
public abstract partial class ResourceStoreBehaviour
{
    private static Observation ObservationOf(string id, string patient) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Code = new CodeableConcept("http://loinc.org", "72514-3"),
        Subject = new ResourceReference($"Patient/{patient}"),
    };

    [Fact]
    public async Task Referencing_ReturnsTheCurrentVersionsOfThatPatientsResourcesOnly_OldestChangeFirst()
    {
        await Store.CommitAsync(Put(ObservationOf("ref-1", "pa"), ObservationOf("ref-2", "pb")));
        await Store.CommitAsync(Put(ObservationOf("ref-3", "pa")));
        var changed = ObservationOf("ref-1", "pa");
        changed.Status = ObservationStatus.Amended;
        await Store.CommitAsync(Put(changed));

        var found = await Store.ReferencingAsync("Observation", "patient", new ReferenceValue("Patient", "pa"));

        // Oldest change first, ties (commits within one millisecond) by id: ref-1 changed last, so it is never before ref-3
        // unless both carry the same instant.
        Assert.Equal(["ref-1", "ref-3"], found.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Equal(found.OrderBy(r => r.LastUpdated).ThenBy(r => r.Id, StringComparer.Ordinal).Select(r => r.Id), found.Select(r => r.Id));
        Assert.True(found.Single(r => r.Id == "ref-1").LastUpdated >= found.Single(r => r.Id == "ref-3").LastUpdated);
        Assert.Equal(2, found.Single(r => r.Id == "ref-1").Version);
        Assert.Contains("amended", found.Single(r => r.Id == "ref-1").Json, StringComparison.Ordinal);
        Assert.Empty(await Store.ReferencingAsync("Observation", "patient", new ReferenceValue("Patient", "nobody")));
        Assert.Empty(await Store.ReferencingAsync("Procedure", "patient", new ReferenceValue("Patient", "pa")));
    }

    [Fact]
    public async Task Referencing_AnObservationMovedToAnotherPatient_IsFoundOnlyUnderTheNewOne()
    {
        await Store.CommitAsync(Put(ObservationOf("ref-move", "pc")));
        await Store.CommitAsync(Put(ObservationOf("ref-move", "pd")));

        Assert.Empty(await Store.ReferencingAsync("Observation", "patient", new ReferenceValue("Patient", "pc")));
        Assert.Equal("ref-move", Assert.Single(await Store.ReferencingAsync("Observation", "patient", new ReferenceValue("Patient", "pd"))).Id);
    }
}
