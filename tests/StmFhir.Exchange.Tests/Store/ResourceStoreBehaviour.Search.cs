using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Exchange.Store;
using StmFhir.Tests.Shared;

namespace StmFhir.Exchange.Tests.Store;

/// <summary>Search with _sort, _include, _revinclude, chains and modifiers, the same on every database.</summary>
public abstract partial class ResourceStoreBehaviour
{
    /// <summary>Commits one session starting at <paramref name="start"/>; the ids of its Patient and Procedure.</summary>
    private async Task<(string Patient, string Procedure)> SessionAtAsync(string sessionId, string start, string mrn = "MRN-0048213", string status = "completed")
    {
        var json = SessionJson.Create(sessionId, mrn: mrn);
        json["start"] = start;
        json["end"] = start.Replace("T09:", "T10:", StringComparison.Ordinal);
        json["status"] = status;
        var read = StmSessionReader.Read(json.ToJsonString());
        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        var committed = await Store.CommitAsync(TransactionBundles.ToChangeSet(StmBundleMapper.ToBundle(read.Session!), "stm-session"));
        return (committed.Entries.First(e => e.Resource.Type == "Patient").Resource.Id,
            committed.Entries.First(e => e.Resource.Type == "Procedure").Resource.Id);
    }

    private static SearchQuery Parsed(string type, string query)
    {
        var parameters = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Select(p => KeyValuePair.Create(p[0], Uri.UnescapeDataString(p[1])));
        var parsed = SearchQueryParser.Parse(type, parameters, new SearchLimits(50, 100, 100, 10));
        Assert.True(parsed.Query is not null, string.Join("; ", parsed.Problems));
        return parsed.Query;
    }

    [Fact]
    public async Task Sort_ByDateBothWays_AndByStatusThenDate_OrdersTheMatches()
    {
        var (_, march) = await SessionAtAsync("SORT-1", "2026-03-02T09:30:00+01:00");
        var (_, january) = await SessionAtAsync("SORT-2", "2026-01-10T09:30:00+01:00");
        var (_, may) = await SessionAtAsync("SORT-3", "2026-05-20T09:30:00+01:00", status: "stopped");

        var newest = await Store.SearchAsync(Parsed("Procedure", "_sort=-date"));
        var oldest = await Store.SearchAsync(Parsed("Procedure", "_sort=date"));
        var byStatus = await Store.SearchAsync(Parsed("Procedure", "_sort=status,-date"));
        var lastChanged = await Store.SearchAsync(Parsed("Procedure", "_sort=-_lastUpdated"));

        Assert.Equal([may, march, january], newest.Resources.Select(r => r.Id));
        Assert.Equal([january, march, may], oldest.Resources.Select(r => r.Id));
        Assert.Equal([march, january, may], byStatus.Resources.Select(r => r.Id));
        Assert.Equal([may, january, march], lastChanged.Resources.Select(r => r.Id));
        Assert.Equal(3, newest.Total);
    }

    [Fact]
    public async Task Sort_ByIdentifier_PutsResourcesWithoutOneLast_OnEveryDatabase()
    {
        await Store.CommitAsync(Put(WithId(NewPatient("B-2"), "sort-b"), WithId(NewPatient("A-1"), "sort-a"), new Hl7.Fhir.Model.Patient { Id = "sort-none" }));

        var ascending = await Store.SearchAsync(Parsed("Patient", "_sort=identifier"));
        var descending = await Store.SearchAsync(Parsed("Patient", "_sort=-identifier"));

        Assert.Equal(["sort-a", "sort-b", "sort-none"], ascending.Resources.Select(r => r.Id));
        Assert.Equal(["sort-b", "sort-a", "sort-none"], descending.Resources.Select(r => r.Id));
    }

    [Fact]
    public async Task RevInclude_ObservationPartOf_AddsEachSessionsObservations_AndTheTotalCountsOnlyMatches()
    {
        var (patient, first) = await SessionAtAsync("REV-1", "2026-03-02T09:30:00+01:00");
        var (_, second) = await SessionAtAsync("REV-2", "2026-03-09T09:30:00+01:00");
        await SessionAtAsync("REV-OTHER", "2026-03-09T09:30:00+01:00", mrn: "MRN-OTHER");

        var result = await Store.SearchAsync(Parsed("Procedure", $"patient={patient}&_revinclude=Observation:part-of&_sort=date"));

        Assert.Equal(2, result.Total);
        Assert.Equal([first, second], result.Resources.Select(r => r.Id));
        var observations = (await Store.SearchAsync(Parsed("Observation", $"part-of=Procedure/{first},Procedure/{second}&_count=100"))).Resources;
        Assert.NotEmpty(observations);
        Assert.Equal(observations.Select(o => o.Id).Order(), result.Included.Select(o => o.Id).Order());
        Assert.All(result.Included, o => Assert.Equal("Observation", o.Type));
    }

    [Fact]
    public async Task Include_ProcedurePatientAndPerformer_AndIterate_AddTheReferencedResourcesOnce()
    {
        var (patient, procedure) = await SessionAtAsync("INC-1", "2026-03-02T09:30:00+01:00");
        var (_, other) = await SessionAtAsync("INC-2", "2026-03-09T09:30:00+01:00");

        var direct = await Store.SearchAsync(Parsed("Procedure", "_include=Procedure:patient&_include=Procedure:performer"));
        var iterated = await Store.SearchAsync(Parsed("Observation", $"part-of={procedure}&_include=Observation:part-of&_include:iterate=Procedure:patient"));
        var screening = await Store.SearchAsync(Parsed("RiskAssessment", $"patient={patient}&_include=RiskAssessment:parent&_include=RiskAssessment:basis"));

        Assert.Equal(2, direct.Resources.Count);
        Assert.Equal(["Patient", "Practitioner"], direct.Included.Select(r => r.Type).Order());
        Assert.Equal([("Procedure", procedure), ("Patient", patient)], iterated.Included.Select(r => (r.Type, r.Id)));
        // A cleared screening has no findings, so basis adds nothing here; parent adds each screening's session.
        Assert.Equal(2, screening.Total);
        Assert.Equal(new[] { procedure, other }.Order(), screening.Included.Select(r => r.Id).Order());
        Assert.All(screening.Included, r => Assert.Equal("Procedure", r.Type));
    }

    [Fact]
    public async Task ChainedPatientIdentifier_AndSubjectPatientIdentifier_FindThatPatientsSessionsOnly()
    {
        var (_, mine) = await SessionAtAsync("CH-1", "2026-03-02T09:30:00+01:00", mrn: "MRN-CHAIN-1");
        await SessionAtAsync("CH-2", "2026-03-02T09:30:00+01:00", mrn: "MRN-CHAIN-2");

        var chained = await Store.SearchAsync(Parsed("Procedure", "patient.identifier=https://example-hospital.org/mrn|MRN-CHAIN-1"));
        var typed = await Store.SearchAsync(Parsed("Procedure", "subject:Patient.identifier=MRN-CHAIN-1"));
        var none = await Store.SearchAsync(Parsed("Procedure", "patient.identifier=https://other.org|MRN-CHAIN-1"));

        Assert.Equal([mine], chained.Resources.Select(r => r.Id));
        Assert.Equal([mine], typed.Resources.Select(r => r.Id));
        Assert.Equal(0, none.Total);
    }

    [Fact]
    public async Task MissingAndNot_SelectByAbsenceAndByNonMatchingTokens()
    {
        await Store.CommitAsync(Put(WithId(NewPatient("M-1"), "with-mrn"), new Hl7.Fhir.Model.Patient { Id = "without-mrn" }));

        var missing = await Store.SearchAsync(Parsed("Patient", "identifier:missing=true"));
        var present = await Store.SearchAsync(Parsed("Patient", "identifier:missing=false"));
        var not = await Store.SearchAsync(Parsed("Patient", "identifier:not=M-1"));

        Assert.Equal(["without-mrn"], missing.Resources.Select(r => r.Id));
        Assert.Equal(["with-mrn"], present.Resources.Select(r => r.Id));
        Assert.Equal(["without-mrn"], not.Resources.Select(r => r.Id));
    }
}
