using System.Net;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using StmFhir.Exchange.Outbox;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Sessions;

/// <summary>
/// A session's clinical findings stored as DetectedIssue resources: written in the session's commit and outbox row,
/// searchable by patient, implicated and code, unchanged by a re-send, and entered-in-error once a corrected session
/// no longer triggers them. One behaviour, run on SQLite and PostgreSQL.
/// </summary>
public abstract class DetectedIssueBehaviour : IAsyncLifetime
{
    private const string FindingSystem = "http://stmfhir.org/fhir/CodeSystem/stm-clinical-finding";

    protected GatewayFactory Factory { get; } = new();

    private HttpClient Client => _client ??= Factory.ClientWithKey();

    private HttpClient? _client;

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Factory.DisposeAsync();

    private static string Session(bool petechiae, int postPain)
    {
        var session = SessionJson.Create("STM-DI-1", prePain: 2);
        if (petechiae)
        {
            session["complications"] = new JsonArray(new JsonObject { ["kind"] = "petechiae" });
        }
        session["painScores"]![1]!["score"] = postPain;
        return session.ToJsonString();
    }

    private async Task<JsonObject> PostAsync(string session, HttpStatusCode expected)
    {
        var response = await Client.PostAsync("/stm/sessions", Http.Json(session, "application/json"));
        Assert.Equal(expected, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    private async Task<List<DetectedIssue>> SearchAsync(string query) =>
        [.. (await (await Client.GetAsync("/fhir/DetectedIssue?" + query)).ReadFhirAsync<Bundle>()).Entry.Select(e => (DetectedIssue)e.Resource!)];

    private static string Id(JsonObject body, string type) =>
        body["resources"]!.AsArray().First(r => r!["resourceType"]!.GetValue<string>() == type)!["id"]!.GetValue<string>();

    [Fact]
    public async Task SessionWithPetechiaeAndAPainRise_StoresOneFindingEach_SearchableByPatientImplicatedAndCode()
    {
        var body = await PostAsync(Session(petechiae: true, postPain: 7), HttpStatusCode.Created);
        var patient = Id(body, "Patient");
        var procedure = body["procedure"]!.GetValue<string>();

        var byPatient = await SearchAsync($"patient=Patient/{patient}");
        Assert.Equal(["STM-CLIN-007", "STM-CLIN-008"], byPatient.Select(d => d.Code!.Coding[0].Code).Order());
        Assert.All(byPatient, d =>
        {
            Assert.Equal(ObservationStatus.Final, d.Status);
            Assert.Equal($"Patient/{patient}", d.Patient!.Reference);
            Assert.Contains(d.Implicated, r => r.Reference == procedure);
            Assert.False(string.IsNullOrEmpty(d.Detail));
        });
        var pain = Assert.Single(await SearchAsync($"code={FindingSystem}|STM-CLIN-007"));
        Assert.Equal(DetectedIssue.DetectedIssueSeverity.Moderate, pain.Severity);
        Assert.StartsWith("Observation/", pain.Implicated[0].Reference, StringComparison.Ordinal);
        Assert.Equal(pain.Id, Assert.Single(await SearchAsync($"implicated={pain.Implicated[0].Reference}")).Id);
        Assert.Equal(2, (await SearchAsync($"implicated={procedure}")).Count);
        Assert.Equal(2, body["resources"]!.AsArray().Count(r => r!["resourceType"]!.GetValue<string>() == "DetectedIssue"));
    }

    [Fact]
    public async Task FindingsAreInTheSessionsOutboxRow_AndAReSendWritesNoNewVersionOrRow()
    {
        await PostAsync(Session(petechiae: true, postPain: 7), HttpStatusCode.Created);

        var again = await PostAsync(Session(petechiae: true, postPain: 7), HttpStatusCode.OK);

        Assert.Equal("unchanged", again["outcome"]!.GetValue<string>());
        var rows = await OutboxRowsAsync();
        var row = Assert.Single(rows);
        Assert.Equal(2, row.Resources.Count(r => r.Type == "DetectedIssue"));
        Assert.Contains(row.Resources, r => r.Type == "Procedure");
        Assert.All(await SearchAsync("_count=50"), d => Assert.Equal("1", d.Meta!.VersionId));
    }

    [Fact]
    public async Task CorrectedSession_MarksTheFindingItNoLongerTriggersEnteredInError_AndKeepsTheOther()
    {
        await PostAsync(Session(petechiae: true, postPain: 7), HttpStatusCode.Created);

        var corrected = await PostAsync(Session(petechiae: true, postPain: 3), HttpStatusCode.OK);

        Assert.Equal("updated", corrected["outcome"]!.GetValue<string>());
        var findings = await SearchAsync("_count=50");
        var pain = Assert.Single(findings, d => d.Code!.Coding[0].Code == "STM-CLIN-007");
        Assert.Equal((ObservationStatus.EnteredInError, "2"), (pain.Status!.Value, pain.Meta!.VersionId));
        var petechiae = Assert.Single(findings, d => d.Code!.Coding[0].Code == "STM-CLIN-008");
        Assert.Equal((ObservationStatus.Final, "1"), (petechiae.Status!.Value, petechiae.Meta!.VersionId));
        // The retirement travels in the correction's outbox row, so targets learn of it too.
        var rows = await OutboxRowsAsync();
        Assert.Contains(rows[^1].Resources, r => r.Type == "DetectedIssue" && r.Id == pain.Id && r.Version == 2);

        await PostAsync(Session(petechiae: true, postPain: 7), HttpStatusCode.OK);
        Assert.Equal((ObservationStatus.Final, "3"), (await SearchAsync($"_id={pain.Id}")).Select(d => (d.Status!.Value, d.Meta!.VersionId)).Single());
    }

    private async Task<List<OutboxEntry>> OutboxRowsAsync()
    {
        var outbox = Factory.Services.GetRequiredService<IOutboxStore>();
        var rows = new List<OutboxEntry>();
        for (long id = 1; await outbox.GetAsync(id) is { } row; id++)
        {
            rows.Add(row);
        }
        return rows;
    }
}

/// <summary><see cref="DetectedIssueBehaviour"/> on the embedded SQLite store.</summary>
public sealed class SqliteDetectedIssueTests : DetectedIssueBehaviour;

/// <summary><see cref="DetectedIssueBehaviour"/> on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresDetectedIssueTests(PostgresServer server) : DetectedIssueBehaviour
{
    public override async Task InitializeAsync()
    {
        Factory.Settings["Storage:Provider"] = "postgresql";
        Factory.Settings["Storage:ConnectionString"] = await server.NewSchemaAsync();
    }
}
