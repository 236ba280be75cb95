using System.Globalization;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Outcomes;
using StmFhir.Exchange.Outcomes;
using StmFhir.Exchange.Store;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Store;

/// <summary>
/// The outcome index (<c>outcome_points</c>) that <see cref="PatientOutcomes"/> reads: it must give the same trends as
/// reading the patient's stored Procedures and Observations themselves, follow every change, and be rebuilt for a
/// database that lacks it.
/// </summary>
public abstract partial class ResourceStoreBehaviour
{
    private static readonly string[] s_outcomeSessions = ["OUT-1", "OUT-2", "OUT-3"];

    private async Task<string> CommitOutcomeSessionsAsync(string mrn)
    {
        string? procedureId = null;
        for (var i = 0; i < s_outcomeSessions.Length; i++)
        {
            var session = TestSessions.Session($"{mrn}-{s_outcomeSessions[i]}", painScores: 2 + i, romMeasurements: 2, patientMrn: mrn);
            session = session with { Start = session.Start.AddDays(7 * i), End = session.End!.Value.AddDays(7 * i) };
            var bundle = StmBundleMapper.ToBundle(session);
            procedureId = bundle.Entry.Select(e => e.Resource).OfType<Procedure>().Single().Id;
            await Store.CommitAsync(TransactionBundles.ToChangeSet(bundle, "stm-session"));
        }
        // The Patient is created conditionally: the store chose its id.
        var procedure = FhirJson.Deserialize<Procedure>((await Store.ReadAsync("Procedure", procedureId!))!.Json);
        var patientId = procedure.Subject!.Reference!["Patient/".Length..];
        Assert.Equal(3, (await Store.ReferencingAsync("Procedure", "patient", new ReferenceValue("Patient", patientId))).Count);
        return patientId;
    }

    /// <summary>The trends as computed from the stored documents themselves (the way before the index).</summary>
    private async Task<string> TrendsFromDocumentsAsync(string patientId)
    {
        var patient = new ReferenceValue("Patient", patientId);
        var procedures = await Store.ReferencingAsync("Procedure", "patient", patient);
        var observations = await Store.ReferencingAsync("Observation", "patient", patient);
        return Describe(OutcomeTrends.Compute(patientId,
            procedures.Select(r => OutcomeJson.ReadSession(r.Json)).OfType<SessionStart>(),
            observations.Select(r => OutcomeJson.ReadMeasurement(r.Json)).OfType<MeasuredValue>()));
    }

    private static string Describe(OutcomeReport? report) => report is null ? "none" : string.Join("\n",
        report.Sessions.Select(s => $"session {s.Number} {s.ProcedureId} {s.Start:o}").Concat(report.Series.SelectMany(series =>
            series.Points.Select(p => string.Create(CultureInfo.InvariantCulture,
                $"{series.Measure.Key} {series.Timing} #{p.Session} {p.TakenAt:o} {p.Value} {p.Change} {p.Assessment}")))));

    [Fact]
    public async Task Outcomes_FromTheIndex_EqualTheTrendsOfTheStoredDocuments()
    {
        var patientId = await CommitOutcomeSessionsAsync("MRN-OUT-A");

        var fromIndex = Describe(await PatientOutcomes.ReadAsync(Store, patientId));

        Assert.Equal(await TrendsFromDocumentsAsync(patientId), fromIndex);
        Assert.Contains("session 3", fromIndex, StringComparison.Ordinal);
        Assert.Contains("pain Pre #3", fromIndex, StringComparison.Ordinal);
        Assert.Contains("elbow-flexion-right-active", fromIndex, StringComparison.Ordinal);
        Assert.Null(await PatientOutcomes.ReadAsync(Store, "no-such-patient"));
    }

    [Fact]
    public async Task Outcomes_AnObservationChangedToAnotherPatientOrKind_LeavesTheFirstPatientsTrends()
    {
        var patientId = await CommitOutcomeSessionsAsync("MRN-OUT-B");
        var observations = await Store.ReferencingAsync("Observation", "patient", new ReferenceValue("Patient", patientId));
        var pain = observations.Select(r => (r, OutcomeJson.ReadMeasurement(r.Json))).First(m => m.Item2 is { Measure.IsPain: true });
        var moved = FhirJson.Deserialize<Observation>(pain.r.Json);
        moved.Subject = new ResourceReference("Patient/someone-else");
        var rom = observations.Select(r => (r, OutcomeJson.ReadMeasurement(r.Json))).First(m => m.Item2 is { Measure.IsPain: false });
        var recoded = FhirJson.Deserialize<Observation>(rom.r.Json);
        recoded.Code = new CodeableConcept("http://loinc.org", "8867-4");
        var before = Describe(await PatientOutcomes.ReadAsync(Store, patientId));

        await Store.CommitAsync(Put(moved, recoded));

        var fromIndex = Describe(await PatientOutcomes.ReadAsync(Store, patientId));
        Assert.Equal(await TrendsFromDocumentsAsync(patientId), fromIndex);
        Assert.NotEqual(before, fromIndex);
    }

    [Fact]
    public async Task Outcomes_ADeletedObservation_LeavesTheTrends()
    {
        var patientId = await CommitOutcomeSessionsAsync("MRN-OUT-D");
        var observations = await Store.ReferencingAsync("Observation", "patient", new ReferenceValue("Patient", patientId));
        var before = Describe(await PatientOutcomes.ReadAsync(Store, patientId));

        await Store.DeleteAsync("Observation", observations[0].Id, "test");

        var fromIndex = Describe(await PatientOutcomes.ReadAsync(Store, patientId));
        Assert.Equal(await TrendsFromDocumentsAsync(patientId), fromIndex);
        Assert.NotEqual(before, fromIndex);
    }

    [Fact]
    public async Task Outcomes_ADatabaseWithoutTheIndex_IsFilledAtInitialisation()
    {
        var patientId = await CommitOutcomeSessionsAsync("MRN-OUT-C");
        var expected = await TrendsFromDocumentsAsync(patientId);
        await using (var connection = await ConnectAsync())
        {
            // As a database written before the index existed: no rows and no format mark.
            foreach (var sql in new[] { "DELETE FROM outcome_points", "DELETE FROM outcome_points_format" })
            {
                await using var command = connection.CreateCommand();
                command.CommandText = sql;
                await command.ExecuteNonQueryAsync();
            }
        }
        Assert.Equal(Describe(OutcomeTrends.Compute(patientId, [], [])), Describe(await PatientOutcomes.ReadAsync(Store, patientId)));

        await using var reopened = (SqlResourceStore)await CreateStoreAsync();
        await reopened.InitializeAsync();

        Assert.Equal(expected, Describe(await PatientOutcomes.ReadAsync(reopened, patientId)));
    }
}
