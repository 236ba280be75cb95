using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>XML answers (Accept, _format) with the same content as JSON, and _pretty.</summary>
public sealed class FormatsTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new();
    private HttpClient _client = null!;
    private string _procedureId = "";

    public async Task InitializeAsync()
    {
        _client = _factory.ClientWithKey();
        var response = await _client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text("FMT-1"), "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        _procedureId = (await response.ReadJsonAsync()).GetProperty("procedure").GetString()!.Split('/')[1];
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private static async Task<Resource> ReadXmlAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/fhir+xml", response.Content.Headers.ContentType?.MediaType);
        return new FhirXmlDeserializer().DeserializeResource(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ReadAndSearch_AskedForXml_AnswerXmlWithTheSameContentAsJson()
    {
        using var accept = new HttpRequestMessage(HttpMethod.Get, $"/fhir/Procedure/{_procedureId}");
        accept.Headers.Accept.ParseAdd("application/fhir+xml");

        var xmlRead = await ReadXmlAsync(await _client.SendAsync(accept));
        var jsonRead = await (await _client.GetAsync($"/fhir/Procedure/{_procedureId}")).ReadFhirAsync<Procedure>();
        var xmlSearch = await ReadXmlAsync(await _client.GetAsync($"/fhir/Procedure?_id={_procedureId}&_revinclude=Observation:part-of&_format=xml"));
        var jsonSearch = await (await _client.GetAsync($"/fhir/Procedure?_id={_procedureId}&_revinclude=Observation:part-of")).ReadFhirAsync<Bundle>();

        Assert.True(jsonRead.IsExactly(xmlRead), "the XML read differs from the JSON read");
        var bundle = Assert.IsType<Bundle>(xmlSearch);
        Assert.Equal(jsonSearch.Entry.Count, bundle.Entry.Count);
        Assert.True(jsonSearch.Entry.Zip(bundle.Entry).All(p => p.First.Resource!.IsExactly(p.Second.Resource)), "an entry differs");
        Assert.True(bundle.Entry.Count > 1);
    }

    [Fact]
    public async Task AnOutcome_AskedForXml_IsXmlToo_AndPrettyJsonIsIndented()
    {
        var notFound = await _client.GetAsync("/fhir/Procedure/nobody?_format=xml");
        var pretty = await _client.GetAsync($"/fhir/Procedure/{_procedureId}?_pretty=true");

        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Contains("<OperationOutcome", await notFound.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("\n  \"resourceType\"", await pretty.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(_procedureId, (await pretty.ReadFhirAsync<Procedure>()).Id);
    }
}
