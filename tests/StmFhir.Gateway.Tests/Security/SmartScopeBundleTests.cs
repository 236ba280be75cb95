using System.Net;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Security;

/// <summary>
/// SMART scopes on what a single interaction in the matrix does not show: transaction and batch entries, STM sessions,
/// restricted searches, untyped <c>$validate</c> and the exchange status.
/// </summary>
public sealed class SmartScopeBundleTests(SmartScopeGateway gateway) : IClassFixture<SmartScopeGateway>
{
    private HttpClient Client(string scope) => gateway.ClientWithBearer(TestTokens.Create(scope));

    private static Bundle Bundle(Bundle.BundleType type, params (Bundle.HTTPVerb Method, string Url, Resource? Resource)[] entries) => new()
    {
        Type = type,
        Entry = [.. entries.Select(e => new Bundle.EntryComponent
        {
            Resource = e.Resource,
            Request = new Bundle.RequestComponent { Method = e.Method, Url = e.Url },
        })],
    };

    [Fact]
    public async Task Transaction_WithOneEntryTheTokenMayNotWrite_Is403NamingIt_AndStoresNothing()
    {
        var transaction = Bundle(Hl7.Fhir.Model.Bundle.BundleType.Transaction,
            (Hl7.Fhir.Model.Bundle.HTTPVerb.PUT, "Observation/tx-o", SmartScopeGateway.Seed("Observation", "tx-o")),
            (Hl7.Fhir.Model.Bundle.HTTPVerb.PUT, "Condition/tx-c", SmartScopeGateway.Seed("Condition", "tx-c")));

        var refused = await Client("system/Observation.cu").PostAsync("/fhir", Http.Fhir(transaction));

        var outcome = await refused.AssertOutcomeAsync(HttpStatusCode.Forbidden);
        Assert.Equal("Bundle.entry[1]", Assert.Single(outcome.Issue).Expression.Single());
        await (await gateway.ClientWithKey().GetAsync("/fhir/Observation/tx-o")).AssertOutcomeAsync(HttpStatusCode.NotFound);
        var accepted = await Client("system/Observation.cu system/Condition.u").PostAsync("/fhir", Http.Fhir(transaction));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task Batch_EntriesTheTokenMayNotDo_Are403Each_TheOthersRun()
    {
        var batch = Bundle(Hl7.Fhir.Model.Bundle.BundleType.Batch,
            (Hl7.Fhir.Model.Bundle.HTTPVerb.GET, "Observation?_id=sm-1", null),
            (Hl7.Fhir.Model.Bundle.HTTPVerb.GET, "Condition/sm-1", null),
            (Hl7.Fhir.Model.Bundle.HTTPVerb.GET, "Observation/sm-1", null),
            (Hl7.Fhir.Model.Bundle.HTTPVerb.PUT, "Observation/sm-1", SmartScopeGateway.Seed("Observation")),
            (Hl7.Fhir.Model.Bundle.HTTPVerb.POST, "Condition", SmartScopeGateway.Seed("Condition", null)));

        var response = await Client("system/Observation.us").PostAsync("/fhir", Http.Fhir(batch));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var statuses = (await response.ReadFhirAsync<Bundle>()).Entry.Select(e => e.Response!.Status![..3]).ToArray();
        Assert.Equal(["200", "403", "403", "200", "403"], statuses);
    }

    [Fact]
    public async Task Batch_SearchUnderARestrictedScope_FindsOnlyWhatTheRestrictionAllows()
    {
        var batch = Bundle(Hl7.Fhir.Model.Bundle.BundleType.Batch, (Hl7.Fhir.Model.Bundle.HTTPVerb.GET, "Observation?_id=sm-1", null));

        var response = await Client("system/Observation.s?code=http://loinc.org|0000-0").PostAsync("/fhir", Http.Fhir(batch));

        var entry = Assert.Single((await response.ReadFhirAsync<Bundle>()).Entry);
        Assert.Equal("200 OK", entry.Response!.Status);
        Assert.Equal(0, ((Bundle)entry.Resource!).Total);
    }

    [Fact]
    public async Task Search_UnderRestrictedScopes_IsNarrowedToTheirValues()
    {
        // Sessions of other tests store pain scores too: every search is confined to these two ids.
        foreach (var (id, code) in new[] { ("sm-2", "72514-3"), ("sm-3", "8302-2") })
        {
            var stored = await gateway.ClientWithKey().PutAsync($"/fhir/Observation/{id}", Http.Fhir(new Observation
            {
                Id = id,
                Status = ObservationStatus.Final,
                Code = new CodeableConcept(SmartScopeGateway.Loinc, code),
                Subject = new ResourceReference("Patient/sm-1"),
            }));
            Assert.True(stored.IsSuccessStatusCode);
        }

        async Task<string[]> IdsAsync(string scope, string query) =>
            [.. (await (await Client(scope).GetAsync("/fhir/Observation" + query)).ReadFhirAsync<Bundle>()).Entry.Select(e => e.Resource!.Id!).Order()];

        const string Pain = "system/Observation.s?code=http://loinc.org|72514-3";
        const string Height = "system/Observation.s?code=http://loinc.org|8302-2";
        Assert.Equal(["sm-2"], await IdsAsync(Pain, "?_id=sm-2,sm-3"));
        Assert.Equal(["sm-2", "sm-3"], await IdsAsync($"{Pain} {Height}", "?_id=sm-2,sm-3"));
        Assert.Empty(await IdsAsync(Pain, "?_id=sm-2,sm-3&code=http://loinc.org|8302-2"));
        Assert.Equal(["sm-2", "sm-3"], await IdsAsync("system/Observation.s", "?_id=sm-2,sm-3"));
        Assert.Equal(["sm-2", "sm-3"], await IdsAsync($"system/Observation.s {Pain}", "?_id=sm-2,sm-3"));
        // A restriction on a parameter the store does not index for the type cannot be honoured, so it grants nothing.
        await (await Client("system/Observation.s?category=vital-signs").GetAsync("/fhir/Observation")).AssertOutcomeAsync(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("system/*.cu", HttpStatusCode.Created)]
    [InlineData("system/*.write", HttpStatusCode.Created)]
    [InlineData("system/*.c", HttpStatusCode.Forbidden)]
    [InlineData("system/Patient.cu system/Practitioner.cu system/Procedure.cu system/Observation.cu system/RiskAssessment.cu system/Condition.cu", HttpStatusCode.Forbidden)]
    [InlineData("system/Patient.cu system/Practitioner.cu system/Procedure.cu system/Observation.cu system/RiskAssessment.cu system/Condition.cu system/MedicationStatement.cu", HttpStatusCode.Forbidden)]
    [InlineData("system/Patient.cu system/Practitioner.cu system/Procedure.cu system/Observation.cu system/RiskAssessment.cu system/Condition.cu system/MedicationStatement.cu system/DetectedIssue.cu", HttpStatusCode.Created)]
    [InlineData("system/*.rs", HttpStatusCode.Forbidden)]
    public async Task Session_NeedsCreateAndUpdateOnEveryTypeASessionWrites(string scope, HttpStatusCode expected)
    {
        var response = await Client(scope).PostAsync("/stm/sessions", Http.Json(SessionJson.Text("SCOPE-" + Guid.NewGuid().ToString("N")[..8]), "application/json"));

        if (expected == HttpStatusCode.Forbidden)
        {
            await response.AssertOutcomeAsync(HttpStatusCode.Forbidden);
        }
        else
        {
            Assert.Equal(expected, response.StatusCode);
        }
    }

    [Fact]
    public async Task UntypedValidate_IsDecidedByTheBodysType()
    {
        HttpRequestMessage Validate(Resource resource) => new(HttpMethod.Post, "/fhir/$validate") { Content = Http.Fhir(resource) };

        Assert.Equal(HttpStatusCode.OK, (await Client("system/Observation.s").SendAsync(Validate(SmartScopeGateway.Seed("Observation")))).StatusCode);
        await (await Client("system/Observation.s").SendAsync(Validate(SmartScopeGateway.Seed("Condition")))).AssertOutcomeAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task WriteAnswer_CarriesTheResourceOnlyWhenTheTokenMayReadThatType()
    {
        var writeOnly = await Client("system/Condition.c").PostAsync("/fhir/Condition", Http.Fhir(SmartScopeGateway.Seed("Condition", null)));
        var readToo = await Client("system/Condition.cr").PostAsync("/fhir/Condition", Http.Fhir(SmartScopeGateway.Seed("Condition", null)));

        Assert.Equal(HttpStatusCode.Created, writeOnly.StatusCode);
        Assert.Equal("", await writeOnly.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Created, readToo.StatusCode);
        Assert.NotNull((await readToo.ReadFhirAsync<Condition>()).Id);
    }

    [Fact]
    public async Task ExchangeStatus_NeedsReadOnEveryType()
    {
        Assert.Equal(HttpStatusCode.OK, (await Client("system/*.rs").GetAsync("/exchange/status")).StatusCode);
        await (await Client("system/Observation.rs").GetAsync("/exchange/status")).AssertOutcomeAsync(HttpStatusCode.Forbidden);
    }
}
