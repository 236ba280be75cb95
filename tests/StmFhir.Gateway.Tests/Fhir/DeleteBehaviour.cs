using System.Net;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>
/// DELETE and conditional DELETE on the facade through HTTP, on a real database: versioned (history, 410 on read and PATCH, vread), idempotent,
/// refused for referenced resources, decided by the 'd' scope, audited as delete. Run on SQLite and PostgreSQL below.
/// </summary>
public abstract class DeleteBehaviour : IAsyncLifetime
{
    private const string Mrn = "https://example-hospital.org/mrn";

    protected GatewayFactory Factory { get; } = new();

    public virtual Task InitializeAsync()
    {
        Factory.Settings["Audit:FlushInterval"] = "00:00:00.050";
        Factory.Settings["Authentication:ApiKeys:3:Name"] = "tests-auditor";
        Factory.Settings["Authentication:ApiKeys:3:Key"] = AuditKey;
        Factory.Settings["Authentication:ApiKeys:3:Scopes:0"] = "audit";
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Factory.DisposeAsync();

    private static Patient NewPatient(string id, string mrn) => new() { Id = id, Identifier = [new Identifier(Mrn, mrn)] };

    private static Observation NewObservation(string id, string patient) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Code = new CodeableConcept("http://loinc.org", "8867-4"),
        Subject = new ResourceReference($"Patient/{patient}"),
    };

    private static async Task PutAsync(HttpClient client, Resource resource, HttpStatusCode expected = HttpStatusCode.Created)
    {
        var response = await client.PutAsync($"/fhir/{resource.TypeName}/{resource.Id}", Http.Fhir(resource));
        Assert.True(response.StatusCode == expected, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Delete_Answers204_ThenReadIs410_VReadOfOlderVersionsWorks_HistoryShowsTheDelete_AndSearchMissesIt()
    {
        var client = Factory.ClientWithKey();
        await PutAsync(client, NewPatient("dx-1", "DX-1"));

        var deleted = await client.DeleteAsync("/fhir/Patient/dx-1");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal("W/\"2\"", deleted.Headers.ETag?.ToString());
        Assert.Equal("deleted", (await (await client.GetAsync("/fhir/Patient/dx-1")).AssertOutcomeAsync(HttpStatusCode.Gone)).Issue[0].Code?.ToString()?.ToLowerInvariant());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/fhir/Patient/dx-1/_history/1")).StatusCode);
        await (await client.GetAsync("/fhir/Patient/dx-1/_history/2")).AssertOutcomeAsync(HttpStatusCode.Gone);
        var history = await (await client.GetAsync("/fhir/Patient/dx-1/_history")).ReadFhirAsync<Bundle>();
        Assert.Equal(2, history.Total);
        Assert.Equal(Bundle.HTTPVerb.DELETE, history.Entry[0].Request!.Method);
        Assert.Null(history.Entry[0].Resource);
        Assert.Equal(Bundle.HTTPVerb.POST, history.Entry[1].Request!.Method);
        var typeHistory = await (await client.GetAsync("/fhir/Patient/_history")).ReadFhirAsync<Bundle>();
        Assert.Contains(typeHistory.Entry, e => e.Request!.Method == Bundle.HTTPVerb.DELETE && e.Request.Url == "Patient/dx-1");
        Assert.Equal(0, (await (await client.GetAsync($"/fhir/Patient?identifier={Mrn}|DX-1")).ReadFhirAsync<Bundle>()).Total);
        var patch = await client.PatchAsync("/fhir/Patient/dx-1", Http.Json("""[{"op":"add","path":"/active","value":true}]""", "application/json-patch+json"));
        await patch.AssertOutcomeAsync(HttpStatusCode.Gone);
        var xml = await client.GetAsync("/fhir/Patient/dx-1/_history?_format=xml");
        Assert.Equal(HttpStatusCode.OK, xml.StatusCode);
        Assert.Contains("<method value=\"DELETE\" />", await xml.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteAgain_Is204WithoutANewVersion_AnUnknownIdIs404_AndAPutCreatesItAgainAsVersion3()
    {
        var client = Factory.ClientWithKey();
        await PutAsync(client, NewPatient("dx-2", "DX-2"));
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/fhir/Patient/dx-2")).StatusCode);

        var again = await client.DeleteAsync("/fhir/Patient/dx-2");

        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.Equal("W/\"2\"", again.Headers.ETag?.ToString());
        Assert.Equal(2, (await (await client.GetAsync("/fhir/Patient/dx-2/_history")).ReadFhirAsync<Bundle>()).Total);
        await (await client.DeleteAsync("/fhir/Patient/never-there")).AssertOutcomeAsync(HttpStatusCode.NotFound);
        await PutAsync(client, NewPatient("dx-2", "DX-2"), HttpStatusCode.Created);
        var read = await client.GetAsync("/fhir/Patient/dx-2");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("W/\"3\"", read.Headers.ETag?.ToString());
    }

    [Fact]
    public async Task Delete_OfAPatientAnObservationRefersTo_Is409NamingIt_AndKeepsThePatient()
    {
        var client = Factory.ClientWithKey();
        await PutAsync(client, NewPatient("dx-3", "DX-3"));
        await PutAsync(client, NewObservation("dx-3-obs", "dx-3"));

        var refused = await client.DeleteAsync("/fhir/Patient/dx-3");

        Assert.Contains("Observation/dx-3-obs", (await refused.AssertOutcomeAsync(HttpStatusCode.Conflict)).Diagnostics(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/fhir/Patient/dx-3")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/fhir/Observation/dx-3-obs")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/fhir/Patient/dx-3")).StatusCode);
    }

    [Fact]
    public async Task ConditionalDelete_OfNoMatchIs204_OfTwoIs412_OfOneDeletesIt()
    {
        var client = Factory.ClientWithKey();
        await PutAsync(client, NewObservation("dx-4a", "dx-4p"));
        await PutAsync(client, NewObservation("dx-5a", "dx-5p"));
        await PutAsync(client, NewObservation("dx-5b", "dx-5p"));

        var none = await client.DeleteAsync("/fhir/Observation?subject=Patient/dx-none");
        var two = await client.DeleteAsync("/fhir/Observation?subject=Patient/dx-5p");
        var one = await client.DeleteAsync("/fhir/Observation?subject=Patient/dx-4p");

        Assert.Equal(HttpStatusCode.NoContent, none.StatusCode);
        Assert.Contains("match 2", (await two.AssertOutcomeAsync(HttpStatusCode.PreconditionFailed)).Diagnostics(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, one.StatusCode);
        await (await client.GetAsync("/fhir/Observation/dx-4a")).AssertOutcomeAsync(HttpStatusCode.Gone);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/fhir/Observation/dx-5a")).StatusCode);
        await (await client.DeleteAsync("/fhir/Observation")).AssertOutcomeAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Delete_NeedsTheDScope_WhichV2dAndV1WriteGrant_AndReadOrCruDoNot()
    {
        await PutAsync(Factory.ClientWithKey(), NewObservation("dx-6", "nobody"));
        await PutAsync(Factory.ClientWithKey(), NewObservation("dx-7", "nobody"));

        await (await Factory.ClientWithKey(GatewayFactory.ReadOnlyKey).DeleteAsync("/fhir/Observation/dx-6")).AssertOutcomeAsync(HttpStatusCode.Forbidden);
        var cru = Factory.ClientWithBearer(TestTokens.Create("system/Observation.cru"));
        await (await cru.DeleteAsync("/fhir/Observation/dx-6")).AssertOutcomeAsync(HttpStatusCode.Forbidden);
        var d = Factory.ClientWithBearer(TestTokens.Create("system/Observation.d"));
        Assert.Equal(HttpStatusCode.NoContent, (await d.DeleteAsync("/fhir/Observation/dx-6")).StatusCode);
        // A conditional delete searches first, so it needs 's' as well.
        await (await d.DeleteAsync("/fhir/Observation?subject=Patient/nobody")).AssertOutcomeAsync(HttpStatusCode.Forbidden);
        var v1 = Factory.ClientWithBearer(TestTokens.Create("system/Observation.write"));
        Assert.Equal(HttpStatusCode.NoContent, (await v1.DeleteAsync("/fhir/Observation/dx-7")).StatusCode);
    }

    [Fact]
    public async Task Delete_IsAuditedAsActionDWithSubtypeDelete_NamingTheResource()
    {
        await PutAsync(Factory.ClientWithKey(), NewPatient("dx-8", "DX-8"));
        Assert.Equal(HttpStatusCode.NoContent, (await Factory.ClientWithKey().DeleteAsync("/fhir/Patient/dx-8")).StatusCode);

        var audit = Factory.ClientWithKey(AuditKey);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        Bundle found;
        do
        {
            await Task.Delay(50);
            found = await (await audit.GetAsync("/fhir/AuditEvent?subtype=delete&patient=dx-8")).ReadFhirAsync<Bundle>();
        }
        while (found.Total == 0 && DateTime.UtcNow < deadline);

        var recorded = (AuditEvent)Assert.Single(found.Entry).Resource!;
        Assert.Equal(AuditEvent.AuditEventAction.D, recorded.Action);
        Assert.Equal("delete", recorded.Subtype.Single().Code);
        Assert.Contains(recorded.Entity, e => e.What?.Reference == "Patient/dx-8");
    }

    [Fact]
    public async Task CapabilityStatement_ListsDeleteAndSingleConditionalDelete_ForEveryType()
    {
        var statement = await (await Factory.ClientWithKey().GetAsync("/fhir/metadata")).ReadFhirAsync<CapabilityStatement>();

        var stored = statement.Rest[0].Resource.Where(r => StmFhir.Exchange.Store.SearchParameterCatalog.IsSupported(r.Type!)).ToList();
        Assert.NotEmpty(stored);
        Assert.All(stored, r =>
        {
            Assert.Contains(r.Interaction, i => i.Code == CapabilityStatement.TypeRestfulInteraction.Delete);
            Assert.Equal(CapabilityStatement.ConditionalDeleteStatus.Single, r.ConditionalDelete);
        });
    }

    internal const string AuditKey = "test-delete-audit-key-001";
}

/// <summary>Deletes on SQLite.</summary>
public sealed class SqliteDeleteTests : DeleteBehaviour;

/// <summary>Deletes on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresDeleteTests(PostgresServer server) : DeleteBehaviour
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Factory.Settings["Storage:Provider"] = "postgresql";
        Factory.Settings["Storage:ConnectionString"] = await server.NewSchemaAsync();
    }
}
