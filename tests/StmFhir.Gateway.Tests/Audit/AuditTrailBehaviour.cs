using System.Net;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Audit;

/// <summary>
/// The audit trail through real HTTP on a real database: what an access records (BALP fields, one entity per patient,
/// the query of a search), refused credentials without their secret, no resource content, and the audit scope. Run on
/// SQLite and PostgreSQL by the classes below it.
/// </summary>
public abstract class AuditTrailBehaviour : IAsyncLifetime
{
    internal const string AuditKey = "test-audit-only-key-0001";
    private const string Canary = "Quixcanaryname";

    protected GatewayFactory Factory { get; } = new();

    public virtual Task InitializeAsync()
    {
        Factory.Settings["Authentication:ApiKeys:3:Name"] = "tests-auditor";
        Factory.Settings["Authentication:ApiKeys:3:Key"] = AuditKey;
        Factory.Settings["Authentication:ApiKeys:3:Scopes:0"] = "audit";
        Factory.Settings["Audit:FlushInterval"] = "00:00:00.050";
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await Factory.DisposeAsync();

    [Fact]
    public async Task SessionIntakeAndReads_AreRecordedWithBalpFieldsAndOnePatientEntityEach()
    {
        var client = Factory.ClientWithKey();
        var patient = await PostSessionAsync(client, "AUD-1");
        var answer = await (await client.GetAsync("/fhir/Procedure?identifier=AUD-1")).ReadFhirAsync<Bundle>();
        var procedure = answer.Entry.Single().Resource!.Id;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/fhir/Procedure/{procedure}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/fhir/Procedure/{procedure}/_history/1")).StatusCode);

        var intake = await OneAsync($"subtype=transaction&patient={patient}");
        var read = await OneAsync($"subtype=read&patient={patient}");
        var vread = await OneAsync($"subtype=vread&patient={patient}");

        Assert.Equal(AuditEvent.AuditEventAction.C, intake.Action);
        Assert.Equal("http://terminology.hl7.org/CodeSystem/audit-event-type", read.Type!.System);
        Assert.Equal("rest", read.Type!.Code);
        Assert.Equal("http://hl7.org/fhir/restful-interaction", read.Subtype.Single().System);
        Assert.Equal(AuditEvent.AuditEventAction.R, read.Action);
        Assert.Equal(AuditEvent.AuditEventOutcome.N0, read.Outcome);
        Assert.NotNull(read.Recorded);
        var requestor = read.Agent.Single(a => a.Requestor == true);
        Assert.Equal("tests-read-write", requestor.Who!.Identifier!.Value);
        Assert.Single(read.Agent, a => a.Requestor == false && a.Type!.Coding[0].Code == "110152");
        Assert.NotNull(read.Source!.Observer);
        Assert.Equal($"Procedure/{procedure}", read.Entity.Single(e => e.Role?.Code == "4").What!.Reference);
        Assert.Equal($"Procedure/{procedure}/_history/1", vread.Entity.Single(e => e.Role?.Code == "4").What!.Reference);
        foreach (var audit in new[] { intake, read, vread })
        {
            var patients = audit.Entity.Where(e => e.Role?.Code == "1").ToList();
            Assert.Equal($"Patient/{patient}", Assert.Single(patients).What!.Reference);
            Assert.Equal("http://terminology.hl7.org/CodeSystem/object-role", patients[0].Role!.System);
        }
    }

    [Fact]
    public async Task HistoryPatchAndConditionalUpdate_AreRecordedAsTheirInteractions()
    {
        var client = Factory.ClientWithKey();
        var patient = await PostSessionAsync(client, "AUD-5");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/fhir/Patient/_history")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/fhir/_history?_count=50")).StatusCode);
        var patch = new HttpRequestMessage(HttpMethod.Patch, $"/fhir/Patient/{patient}")
        {
            Content = new StringContent("""[{"op":"replace","path":"/gender","value":"female"}]""", Encoding.UTF8, "application/json-patch+json"),
        };
        var patched = await client.SendAsync(patch);
        Assert.True(patched.IsSuccessStatusCode, await patched.Content.ReadAsStringAsync());

        var typeHistory = await OneAsync($"subtype=history-type&patient={patient}");
        var systemHistory = await OneAsync($"subtype=history-system&patient={patient}");
        var patchAudit = await OneAsync($"subtype=patch&patient={patient}");

        Assert.Equal(AuditEvent.AuditEventAction.R, typeHistory.Action);
        Assert.Equal("_count=50", Encoding.UTF8.GetString(systemHistory.Entity.Single(e => e.Role?.Code == "24").Query!));
        Assert.Equal(AuditEvent.AuditEventAction.U, patchAudit.Action);
        Assert.Equal($"Patient/{patient}", patchAudit.Entity.Single(e => e.Role?.Code == "4").What!.Reference);
    }

    [Fact]
    public async Task Search_RecordsItsQueryAsBase64AndNoResourceContent()
    {
        var client = Factory.ClientWithKey();
        var patient = await PostSessionAsync(client, "AUD-2");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/fhir/Observation?subject=Patient/{patient}&_count=5")).StatusCode);

        var search = await OneAsync($"subtype=search-type&patient={patient}");
        var query = search.Entity.Single(e => e.Role?.Code == "24").Query;
        Assert.Equal($"subject=Patient/{patient}&_count=5", Uri.UnescapeDataString(Encoding.UTF8.GetString(query!)));
        Assert.Equal(AuditEvent.AuditEventAction.E, search.Action);

        var all = await (await Auditor().GetAsync($"/fhir/AuditEvent?patient={patient}&_count=200")).Content.ReadAsStringAsync();
        Assert.Contains("\"total\":2", all, StringComparison.Ordinal);
        Assert.DoesNotContain(Canary, all, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("MRN-AUD", all, StringComparison.Ordinal);
        Assert.DoesNotContain("epicondyl", all, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task RefusedCredentials_AreRecordedWithWhatWasClaimedButNeverTheSecret()
    {
        const string wrongKey = "wrong-secret-key-123456789";
        var badJwt = TestTokens.Create("system/*.rs", signingKeyBase64: Convert.ToBase64String(Encoding.UTF8.GetBytes("another-signing-key-of-32-bytes-or-more!!")));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Factory.ClientWithKey(wrongKey).GetAsync("/fhir/Patient/aud-x")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Factory.ClientWithBearer(badJwt).GetAsync("/fhir/Procedure?identifier=x")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Factory.ClientWithKey(GatewayFactory.ReadOnlyKey)
            .PostAsync("/stm/sessions", Http.Json(SessionJson.Text("AUD-3"), "application/json"))).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await Factory.CreateClient().GetAsync("/exchange/status")).StatusCode);

        var unknownKey = await OneAsync("agent=(unknown API key)&subtype=read");
        var anonymous = await OneAsync("agent=(no credential)");
        var claimedJwt = await OneAsync("agent=integration-client&outcome=4");
        var denied = await OneAsync("agent=tests-read-only&subtype=transaction");

        Assert.Empty(anonymous.Subtype);
        Assert.All(new[] { unknownKey, claimedJwt, denied, anonymous }, a => Assert.Equal(AuditEvent.AuditEventOutcome.N4, a.Outcome));
        Assert.Equal("Patient/aud-x", unknownKey.Entity.Single(e => e.Role?.Code == "4").What!.Reference);
        Assert.Contains("HTTP 401", claimedJwt.OutcomeDesc, StringComparison.Ordinal);
        Assert.Contains("HTTP 403", denied.OutcomeDesc, StringComparison.Ordinal);
        var all = await (await Auditor().GetAsync("/fhir/AuditEvent?outcome=4")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(wrongKey, all, StringComparison.Ordinal);
        Assert.DoesNotContain(badJwt.Split('.')[2], all, StringComparison.Ordinal);
        Assert.DoesNotContain(badJwt.Split('.')[1], all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditTrail_IsReadOnlyWithTheAuditScopeAndNeverWithTheReadScope()
    {
        await PostSessionAsync(Factory.ClientWithKey(), "AUD-4");
        var found = await OneAsync("subtype=transaction");

        foreach (var refused in new[] { Factory.ClientWithKey(), Factory.ClientWithKey(GatewayFactory.ReadOnlyKey), Factory.ClientWithBearer(TestTokens.Create("system/*.cruds")) })
        {
            await (await refused.GetAsync("/fhir/AuditEvent")).AssertOutcomeAsync(HttpStatusCode.Forbidden);
            await (await refused.GetAsync($"/fhir/AuditEvent/{found.Id}")).AssertOutcomeAsync(HttpStatusCode.Forbidden);
        }
        await (await Factory.CreateClient().GetAsync("/fhir/AuditEvent")).AssertOutcomeAsync(HttpStatusCode.Unauthorized);
        var jwt = Factory.ClientWithBearer(TestTokens.Create("system/AuditEvent.rs"));
        Assert.Equal(HttpStatusCode.OK, (await jwt.GetAsync("/fhir/AuditEvent")).StatusCode);
        var read = await (await Auditor().GetAsync($"/fhir/AuditEvent/{found.Id}")).ReadFhirAsync<AuditEvent>();
        Assert.Equal(found.Id, read.Id);
        await (await Auditor().GetAsync("/fhir/AuditEvent/not-there")).AssertOutcomeAsync(HttpStatusCode.NotFound);
        // Nor through a batch GET with a wildcard read scope.
        var batch = new Bundle
        {
            Type = Bundle.BundleType.Batch,
            Entry = [new Bundle.EntryComponent { Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.GET, Url = "AuditEvent" } }],
        };
        var answer = await (await Factory.ClientWithKey().PostAsync("/fhir", Http.Fhir(batch))).Content.ReadAsStringAsync();
        Assert.DoesNotContain(found.Id!, answer, StringComparison.Ordinal);
        Assert.DoesNotContain("\"200 OK\"", answer, StringComparison.Ordinal);
        // Clinical data stays out of the audit scope's reach.
        await (await Auditor().GetAsync("/fhir/Patient")).AssertOutcomeAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AuditEvents_CannotBeWrittenThroughTheFacade()
    {
        var audit = new AuditEvent { Id = "forged", Type = new Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest"), Recorded = DateTimeOffset.UtcNow };
        var client = Factory.ClientWithKey();

        await (await client.PostAsync("/fhir/AuditEvent", Http.Fhir(audit))).AssertOutcomeAsync(HttpStatusCode.NotFound);
        await (await client.PutAsync("/fhir/AuditEvent/forged", Http.Fhir(audit))).AssertOutcomeAsync(HttpStatusCode.NotFound);
        var transaction = new Bundle
        {
            Type = Bundle.BundleType.Transaction,
            Entry = [new Bundle.EntryComponent { Resource = audit, Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = "AuditEvent/forged" } }],
        };
        Assert.False((await client.PostAsync("/fhir", Http.Fhir(transaction))).IsSuccessStatusCode);
        await (await Auditor().GetAsync("/fhir/AuditEvent/forged")).AssertOutcomeAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Search_FiltersByDateActionOutcomeAndPagesWithCount()
    {
        var client = Factory.ClientWithKey();
        var patient = await PostSessionAsync(client, "AUD-5");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/fhir/Patient/{patient}")).StatusCode);
        }
        await WaitForAsync($"patient={patient}&action=R", 3);
        var today = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

        var page = await (await Auditor().GetAsync($"/fhir/AuditEvent?patient=Patient/{patient}&action=R&outcome=0&date=ge{today}&_count=2")).ReadFhirAsync<Bundle>();
        var none = await (await Auditor().GetAsync($"/fhir/AuditEvent?patient={patient}&date=lt{today}")).ReadFhirAsync<Bundle>();
        var bad = await Auditor().GetAsync("/fhir/AuditEvent?name=x");
        var badDates = new[] { "T1", "ap2026-01-01", "2026-13-01", "2026-12-06T10:00" };

        Assert.Equal(3, page.Total);
        Assert.Equal(2, page.Entry.Count);
        Assert.Contains(page.Link, l => l.Relation == "next" && l.Url!.Contains("_offset=2", StringComparison.Ordinal));
        Assert.Equal(0, none.Total);
        Assert.Contains("'name'", (await bad.AssertOutcomeAsync(HttpStatusCode.BadRequest)).Diagnostics(), StringComparison.Ordinal);
        foreach (var date in badDates)
        {
            var answer = await Auditor().GetAsync($"/fhir/AuditEvent?date={date}");
            Assert.Contains("'date'", (await answer.AssertOutcomeAsync(HttpStatusCode.BadRequest)).Diagnostics(), StringComparison.Ordinal);
        }
    }

    protected HttpClient Auditor() => Factory.ClientWithKey(AuditKey);

    /// <summary>Posts a session whose patient carries the canary name; returns the stored Patient's id.</summary>
    protected static async Task<string> PostSessionAsync(HttpClient client, string sessionId)
    {
        var response = await client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text(sessionId, Canary, "MRN-" + sessionId), "application/json"));
        var body = await response.ReadJsonAsync();
        Assert.True(response.IsSuccessStatusCode, body.ToString());
        return body.GetProperty("resources").EnumerateArray().First(r => r.GetProperty("resourceType").GetString() == "Patient").GetProperty("id").GetString()!;
    }

    /// <summary>The one AuditEvent a search finds, once the writer has written it.</summary>
    protected async Task<AuditEvent> OneAsync(string query) =>
        (AuditEvent)Assert.Single((await WaitForAsync(query, 1)).Entry).Resource!;

    protected async Task<Bundle> WaitForAsync(string query, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var response = await Auditor().GetAsync("/fhir/AuditEvent?" + query);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            var bundle = await response.ReadFhirAsync<Bundle>();
            if (bundle.Total >= count || DateTime.UtcNow > deadline)
            {
                Assert.True(bundle.Total == count, $"{query}: {bundle.Total} AuditEvents, expected {count}");
                return bundle;
            }
            await Task.Delay(50);
        }
    }
}

/// <summary>The audit trail on SQLite.</summary>
public sealed class SqliteAuditTrailTests : AuditTrailBehaviour;

/// <summary>The audit trail on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresAuditTrailTests(PostgresServer server) : AuditTrailBehaviour
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Factory.Settings["Storage:Provider"] = "postgresql";
        Factory.Settings["Storage:ConnectionString"] = await server.NewSchemaAsync();
    }
}
