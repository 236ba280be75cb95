using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>
/// A body is read the same at every endpoint whatever its encoding: JSON with a UTF-8 byte order mark (refused at
/// <c>/stm/sessions</c> and <c>$validate</c> before, accepted at create), XML in UTF-16 with its byte order mark (read
/// at create only before).
/// </summary>
public sealed class EncodingTests(EngineGateway factory) : IClassFixture<EngineGateway>
{
    private readonly HttpClient _client = factory.ClientWithKey();

    private static ByteArrayContent Body(byte[] bytes, string mediaType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);
        return content;
    }

    private static ByteArrayContent WithBom(string json, string mediaType = "application/fhir+json") =>
        Body([.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(json)], mediaType);

    private static ByteArrayContent Utf16Xml(string xml) =>
        Body([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("<?xml version=\"1.0\" encoding=\"utf-16\"?>" + xml)], "application/fhir+xml; charset=utf-16");

    [Fact]
    public async Task JsonWithAByteOrderMarkIsReadAtEveryEndpoint()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/stm/sessions", WithBom(SessionJson.Text("ENC-BOM-1"), "application/json"))).StatusCode);
        var validate = await _client.PostAsync("/fhir/$validate", WithBom("""{"resourceType":"Patient","gender":"female"}"""));
        Assert.Equal(HttpStatusCode.OK, validate.StatusCode);
        Assert.DoesNotContain((await validate.ReadFhirAsync<OperationOutcome>()).Issue, i => i.Severity <= OperationOutcome.IssueSeverity.Error);
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/fhir/Patient", WithBom("""{"resourceType":"Patient","gender":"female"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("/fhir/Patient/enc-bom-1", WithBom("""{"resourceType":"Patient","id":"enc-bom-1"}"""))).StatusCode);
        var transaction = await _client.PostAsync("/fhir", WithBom("""
            {"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:2b8e4c1a-5d6f-4a7b-9c0d-1e2f3a4b5c6d",
             "resource":{"resourceType":"Patient","id":"enc-bom-2"},"request":{"method":"PUT","url":"Patient/enc-bom-2"}}]}
            """));
        Assert.Equal(HttpStatusCode.OK, transaction.StatusCode);
    }

    [Fact]
    public async Task Utf16XmlWithAByteOrderMarkIsReadAtEveryFhirEndpoint()
    {
        var validate = await _client.PostAsync("/fhir/$validate", Utf16Xml("""<Patient xmlns="http://hl7.org/fhir"><gender value="female"/></Patient>"""));
        Assert.Equal(HttpStatusCode.OK, validate.StatusCode);
        Assert.DoesNotContain((await validate.ReadFhirAsync<OperationOutcome>()).Issue, i => i.Severity <= OperationOutcome.IssueSeverity.Error);
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsync("/fhir/Patient", Utf16Xml("""<Patient xmlns="http://hl7.org/fhir"><gender value="male"/></Patient>"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _client.PutAsync("/fhir/Patient/enc-xml-1", Utf16Xml("""<Patient xmlns="http://hl7.org/fhir"><id value="enc-xml-1"/></Patient>"""))).StatusCode);
        var transaction = await _client.PostAsync("/fhir", Utf16Xml("""
            <Bundle xmlns="http://hl7.org/fhir"><type value="transaction"/><entry><fullUrl value="urn:uuid:3c9f5d2b-6e7a-4b8c-8d1e-2f3a4b5c6d7e"/>
            <resource><Patient><id value="enc-xml-2"/></Patient></resource><request><method value="PUT"/><url value="Patient/enc-xml-2"/></request></entry></Bundle>
            """));
        Assert.Equal(HttpStatusCode.OK, transaction.StatusCode);
    }

    [Fact]
    public async Task JsonInUtf16IsRefusedWithA400SayingFhirJsonIsUtf8()
    {
        var body = Body([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("""{"resourceType":"Patient"}""")], "application/fhir+json");

        var outcome = await (await _client.PostAsync("/fhir/$validate", body)).AssertOutcomeAsync(HttpStatusCode.BadRequest);

        Assert.Contains("UTF-8", outcome.Diagnostics());
    }
}
