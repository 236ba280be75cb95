using System.Net;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Core.Validation;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>
/// The Bundle rules (STM-BDL-) through the gateway's one engine: what the gateway writes itself (searchset with
/// paging links, history, transaction-response, batch-response) passes them at <c>$validate</c>, and a transaction
/// breaking one is refused with the rule's code and nothing stored.
/// </summary>
public sealed class GatewayBundlesTests(EngineGateway factory) : IClassFixture<EngineGateway>
{
    private readonly HttpClient _client = factory.ClientWithKey();

    private static Bundle SessionBundle(string sessionId) => StmBundleMapper.ToBundle(StmSessionReader.Read(SessionJson.Text(sessionId)).Session!);

    private static bool IsBundleRule(OperationOutcome.IssueComponent issue) =>
        issue.Details?.Coding.Any(c => c.Code?.StartsWith("STM-BDL-", StringComparison.Ordinal) == true) == true;

    private async Task<string> BodyAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return body;
    }

    [Fact]
    public async Task SearchsetHistoryAndResponseBundlesTheGatewayWritesPassTheBundleRules()
    {
        await BodyAsync(await _client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text("GB-1"), "application/json")), HttpStatusCode.Created);
        var searchset = await BodyAsync(await _client.GetAsync("/fhir/Observation?_count=1"), HttpStatusCode.OK);
        var patient = FhirJson.Deserialize<Bundle>(await BodyAsync(await _client.GetAsync("/fhir/Patient?_count=1"), HttpStatusCode.OK)).Entry[0].Resource!;
        ((Patient)patient).Name[0].Family += "-Berg";
        await BodyAsync(await _client.PutAsync($"/fhir/Patient/{patient.Id}", Http.Fhir(patient)), HttpStatusCode.OK);
        var history = await BodyAsync(await _client.GetAsync($"/fhir/Patient/{patient.Id}/_history"), HttpStatusCode.OK);
        var transactionResponse = await BodyAsync(await _client.PostAsync("/fhir", Http.Fhir(SessionBundle("GB-2"))), HttpStatusCode.OK);
        var batch = """{"resourceType":"Bundle","type":"batch","entry":[{"request":{"method":"GET","url":"Observation?_count=2"}}]}""";
        var batchResponse = await BodyAsync(await _client.PostAsync("/fhir", Http.Json(batch)), HttpStatusCode.OK);

        // The searchset pages (next), and the history repeats one full URL with two versions: what the rules look at.
        Assert.Contains("\"next\"", searchset, StringComparison.Ordinal);
        Assert.Equal(2, FhirJson.Deserialize<Bundle>(history).Entry.Select(e => e.FullUrl ?? "").Where(u => u.EndsWith("/Patient/" + patient.Id, StringComparison.Ordinal)).Count());
        foreach (var (what, body) in new[] { ("searchset", searchset), ("history", history), ("transaction-response", transactionResponse), ("batch-response", batchResponse) })
        {
            var outcome = await (await _client.PostAsync("/fhir/$validate", Http.Json(body))).ReadFhirAsync<OperationOutcome>();
            Assert.True(!outcome.Issue.Any(IsBundleRule), $"{what}: {outcome.Diagnostics()}");
        }
    }

    [Fact]
    public async Task ATransactionReferringToAUrnNoEntryHas_Is422WithTheRuleAndStoresNothing()
    {
        var bundle = JsonNode.Parse(FhirJson.Serialize(SessionBundle("GB-3")))!.AsObject();
        var observation = bundle["entry"]!.AsArray().Select(e => e!["resource"]!).First(r => r["resourceType"]!.GetValue<string>() == "Observation");
        observation["partOf"]![0]!["reference"] = "urn:uuid:0b8f3c1e-5d2a-4c6e-9f7a-1e2d3c4b5a69";
        var storedBefore = FhirJson.Deserialize<Bundle>(await BodyAsync(await _client.GetAsync("/fhir/Procedure?_count=0"), HttpStatusCode.OK)).Total;

        var outcome = await (await _client.PostAsync("/fhir", Http.Json(bundle.ToJsonString()))).AssertOutcomeAsync(HttpStatusCode.UnprocessableEntity);

        var issue = Assert.Single(outcome.Issue, IsBundleRule);
        Assert.Equal(IssueCodes.ReferenceNotInBundle, issue.Details!.Coding[0].Code);
        Assert.Matches(@"^Bundle\.entry\[\d+\]\.resource\.partOf\[0\]\.reference$", Assert.Single(issue.Expression));
        var storedAfter = FhirJson.Deserialize<Bundle>(await BodyAsync(await _client.GetAsync("/fhir/Procedure?_count=0"), HttpStatusCode.OK)).Total;
        Assert.Equal(storedBefore, storedAfter);
    }
}
