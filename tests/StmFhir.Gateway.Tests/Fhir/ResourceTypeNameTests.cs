using System.Net;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>
/// Every datatype, primitive, abstract and dynamic type name of the model (and the empty and an unknown name), where
/// a resource belongs, at every FHIR endpoint that reads a resource: 400 with an OperationOutcome naming the place,
/// before any validation. <c>POST /fhir/$validate</c> with <c>{"resourceType":"Element"}</c> ended the process.
/// </summary>
public sealed class ResourceTypeNameTests(EngineGateway factory) : IClassFixture<EngineGateway>
{
    private readonly HttpClient _client = factory.ClientWithKey();

    public static TheoryData<string> Names
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var name in NonResourceTypeNames.TypeNames)
            {
                data.Add(name);
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Validate_RefusesTheNameAtEveryPlace_JsonAndXml(string name)
    {
        foreach (var (template, path) in NonResourceTypeNames.JsonPlaces)
        {
            await AssertRefusedAsync(HttpMethod.Post, "/fhir/$validate", NonResourceTypeNames.Fill(template, name), "application/fhir+json", path);
        }
        foreach (var (template, path) in name.Length == 0 ? [] : NonResourceTypeNames.XmlPlaces)
        {
            await AssertRefusedAsync(HttpMethod.Post, "/fhir/$validate", NonResourceTypeNames.Fill(template, name), "application/fhir+xml", path);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task CreateAndUpdate_RefuseTheNameAsTheResourceAndAsAContainedOne(string name)
    {
        var root = NonResourceTypeNames.Fill("""{"resourceType":"{0}","id":"x1"}""", name);
        var contained = NonResourceTypeNames.Fill("""{"resourceType":"Patient","id":"x1","contained":[{"resourceType":"{0}","id":"c"}],"managingOrganization":{"reference":"#c"}}""", name);

        await AssertRefusedAsync(HttpMethod.Post, "/fhir/Patient", root, "application/fhir+json", null);
        await AssertRefusedAsync(HttpMethod.Put, "/fhir/Patient/x1", root, "application/fhir+json", null);
        await AssertRefusedAsync(HttpMethod.Post, "/fhir/Patient", contained, "application/fhir+json", "Patient.contained[0]");
        await AssertRefusedAsync(HttpMethod.Put, "/fhir/Patient/x1", contained, "application/fhir+json", "Patient.contained[0]");
        if (name.Length > 0)
        {
            await AssertRefusedAsync(HttpMethod.Post, "/fhir/Patient", NonResourceTypeNames.Fill("""<{0} xmlns="http://hl7.org/fhir"><id value="x1"/></{0}>""", name), "application/fhir+xml", null);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task TransactionAndBatch_RefuseTheNameAsAnEntrysResource(string name)
    {
        foreach (var type in new[] { "transaction", "batch" })
        {
            var bundle = NonResourceTypeNames.Fill("""
                {"resourceType":"Bundle","type":"TYPE","entry":[
                  {"fullUrl":"urn:uuid:7a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b","resource":{"resourceType":"Patient","id":"ok"},"request":{"method":"PUT","url":"Patient/ok"}},
                  {"fullUrl":"urn:uuid:7a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5c","resource":{"resourceType":"{0}","id":"e"},"request":{"method":"POST","url":"Patient"}}]}
                """.Replace("TYPE", type, StringComparison.Ordinal), name);

            await AssertRefusedAsync(HttpMethod.Post, "/fhir", bundle, "application/fhir+json", "Bundle.entry[1].resource");
        }
        await (await _client.GetAsync("/fhir/Patient/ok")).AssertOutcomeAsync(HttpStatusCode.NotFound);
    }

    private async Task AssertRefusedAsync(HttpMethod method, string url, string body, string mediaType, string? path)
    {
        var response = await _client.SendAsync(new HttpRequestMessage(method, url) { Content = Http.Json(body, mediaType) });

        var outcome = await response.AssertOutcomeAsync(HttpStatusCode.BadRequest);
        Assert.True(outcome.Issue.Any(i => (path is null ? !i.Expression.Any() : i.Expression.Contains(path)) && i.Diagnostics?.Contains("resource", StringComparison.Ordinal) == true),
            $"{method} {url} {mediaType}: no issue at {path ?? "the root"}: {outcome.Diagnostics()}");
    }
}
