using System.Net;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>
/// Identifiers intake matches people on stay usable: a second Patient or Practitioner with one is refused (409 naming
/// the existing resource) unless <c>Storage:AllowDuplicatePersonIdentifiers</c>; duplicates that exist anyway are
/// listed in <c>/exchange/status</c>, logged by id, and intake uses the oldest instead of refusing the session.
/// </summary>
public sealed class DuplicateIdentifierTests : IAsyncLifetime
{
    private const string MrnSystem = "https://example-hospital.org/mrn";
    private const string SessionMrn = "MRN-0048213"; // the MRN of SessionJson's patient

    private readonly GatewayFactory _factory = new();
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _factory.ClientWithKey();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static Patient Patient(string? id, string mrn, string family = "Doe") => new()
    {
        Id = id,
        Identifier = [new Identifier(MrnSystem, mrn)],
        Name = [new HumanName { Family = family }],
    };

    private static Bundle.EntryComponent ConditionalCreate(Patient patient, string fullUrl) => new()
    {
        FullUrl = fullUrl,
        Resource = patient,
        Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Patient", IfNoneExist = $"identifier={MrnSystem}|{patient.Identifier[0].Value}" },
    };

    [Fact]
    public async Task ASecondPatientWithAnExistingMrn_Is409NamingTheExistingPatient_ByCreateUpdateOrBatch()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("/fhir/Patient/first", Http.Fhir(Patient("first", "MRN-D1")))).StatusCode);
        var batch = new Bundle
        {
            Type = Bundle.BundleType.Batch,
            Entry = [new Bundle.EntryComponent { Resource = Patient(null, "MRN-D1"), Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = "Patient" } }],
        };

        var created = await (await _client.PostAsync("/fhir/Patient", Http.Fhir(Patient(null, "MRN-D1", "Other")))).AssertOutcomeAsync(HttpStatusCode.Conflict);
        var updated = await (await _client.PutAsync("/fhir/Patient/second", Http.Fhir(Patient("second", "MRN-D1")))).AssertOutcomeAsync(HttpStatusCode.Conflict);
        var batched = await (await _client.PostAsync("/fhir", Http.Fhir(batch))).ReadFhirAsync<Bundle>();

        Assert.All([created, updated], o =>
        {
            Assert.Equal(OperationOutcome.IssueType.Duplicate, o.Issue[0].Code);
            Assert.Contains("Patient/first", o.Diagnostics(), StringComparison.Ordinal);
        });
        Assert.Equal("409 Conflict", batched.Entry[0].Response!.Status);
        var search = await (await _client.GetAsync($"/fhir/Patient?identifier={MrnSystem}%7CMRN-D1")).ReadFhirAsync<Bundle>();
        Assert.Equal(1, search.Total);
    }

    [Fact]
    public async Task ATransactionWithTwoConditionalCreatesOfOneMrn_Is409AndStoresNothing()
    {
        var transaction = new Bundle
        {
            Type = Bundle.BundleType.Transaction,
            Entry =
            [
                ConditionalCreate(Patient(null, "MRN-D2"), "urn:uuid:5a1e7d52-0000-4f0e-9c1a-2d8f3b6e4a01"),
                ConditionalCreate(Patient(null, "MRN-D2", "Twin"), "urn:uuid:5a1e7d52-0001-4f0e-9c1a-2d8f3b6e4a01"),
            ],
        };

        await (await _client.PostAsync("/fhir", Http.Fhir(transaction))).AssertOutcomeAsync(HttpStatusCode.Conflict);

        var search = await (await _client.GetAsync($"/fhir/Patient?identifier={MrnSystem}%7CMRN-D2")).ReadFhirAsync<Bundle>();
        Assert.Equal(0, search.Total);
    }

    [Fact]
    public async Task ASessionOfAPatientWithDuplicatesFromBefore_IsAcceptedOnTheOldest_AndTheDuplicateIsListedAndLoggedByIdOnly()
    {
        // Two Patients with the session's MRN, made while duplicates were allowed.
        await using var allowing = new GatewayFactory { Settings = { ["Storage:AllowDuplicatePersonIdentifiers"] = "true" } };
        var early = allowing.ClientWithKey();
        Assert.Equal(HttpStatusCode.Created, (await early.PutAsync("/fhir/Patient/dup-older", Http.Fhir(Patient("dup-older", SessionMrn)))).StatusCode);
        await Task.Delay(20); // a later first version; its id sorts first, so only the time makes the other the oldest
        Assert.Equal(HttpStatusCode.Created, (await early.PostAsync("/fhir/Patient", Http.Fhir(Patient(null, SessionMrn, "Newer")))).StatusCode);
        var newer = (await (await early.GetAsync($"/fhir/Patient?identifier={MrnSystem}%7C{SessionMrn}")).ReadFhirAsync<Bundle>())
            .Entry.Select(e => e.Resource!.Id!).Single(id => id != "dup-older");
        await allowing.StopAsync();

        // Then the setting is off again, on the same database.
        await using var gateway = new GatewayFactory { Settings = { ["Storage:DataDirectory"] = allowing.DataDirectory } };
        var client = gateway.ClientWithKey();
        var session = await client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text("STM-DUP-0001"), "application/json"));
        var status = await (await client.GetAsync("/exchange/status")).Content.ReadAsStringAsync();
        await gateway.StopAsync();

        Assert.True(session.StatusCode == HttpStatusCode.Created, await session.Content.ReadAsStringAsync());
        var patient = (await session.ReadJsonAsync()).GetProperty("resources")[0];
        Assert.Equal(("dup-older", "matched"), (patient.GetProperty("id").GetString(), patient.GetProperty("outcome").GetString()));
        var duplicate = Assert.Single(System.Text.Json.JsonDocument.Parse(status).RootElement.GetProperty("duplicateIdentifiers").EnumerateArray());
        Assert.Equal("Patient", duplicate.GetProperty("resourceType").GetString());
        Assert.Equal(MrnSystem, duplicate.GetProperty("system").GetString());
        Assert.Equal(["dup-older", newer], duplicate.GetProperty("ids").EnumerateArray().Select(i => i.GetString()));
        Assert.DoesNotContain(SessionMrn, status, StringComparison.Ordinal);
        var logs = gateway.ReadLogs();
        Assert.Contains("dup-older", logs, StringComparison.Ordinal);
        Assert.Contains(newer, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(SessionMrn, logs, StringComparison.Ordinal);
    }
}
