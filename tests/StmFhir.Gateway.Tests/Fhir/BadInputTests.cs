using System.Net;
using System.Text;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>Bad input never gives a 5xx or a stack trace; every refusal is an OperationOutcome.</summary>
public sealed class BadInputTests : IClassFixture<BadInputTests.SmallLimitGateway>
{
    private readonly SmallLimitGateway _factory;
    private readonly HttpClient _client;

    public BadInputTests(SmallLimitGateway factory)
    {
        _factory = factory;
        _client = factory.ClientWithKey();
    }

    /// <summary>A gateway with a 64 KB body limit, so "too large" needs no megabytes.</summary>
    public sealed class SmallLimitGateway : GatewayFactory
    {
        public SmallLimitGateway() => Settings["Fhir:MaxRequestBodyBytes"] = "65536";
    }

    public static TheoryData<string, string> Endpoints => new()
    {
        { "POST", "/fhir" },
        { "POST", "/fhir/Patient" },
        { "PUT", "/fhir/Patient/x1" },
        { "POST", "/fhir/$validate" },
        { "POST", "/fhir/Patient/$validate" },
        { "POST", "/stm/sessions" },
    };

    private Task<HttpResponseMessage> SendAsync(string method, string url, HttpContent content) =>
        _client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url) { Content = content });

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task MalformedJson_Is400(string method, string url)
    {
        var outcome = await (await SendAsync(method, url, Http.Json("{\"resourceType\": \"Patient\", "))).AssertOutcomeAsync(HttpStatusCode.BadRequest);

        Assert.Contains("not valid JSON", outcome.Diagnostics());
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task JsonNestedPast64Levels_Is400(string method, string url)
    {
        var deep = "{\"resourceType\":\"Patient\",\"extension\":" + string.Concat(Enumerable.Repeat("[{\"extension\":", 40)) + "[]" + string.Concat(Enumerable.Repeat("}]", 40)) + "}";

        var outcome = await (await SendAsync(method, url, Http.Json(deep))).AssertOutcomeAsync(HttpStatusCode.BadRequest);

        Assert.Contains("nested deeper than 64", outcome.Diagnostics());
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task BodyOverTheLimit_Is413BeforeItIsRead(string method, string url)
    {
        var big = "{\"resourceType\":\"Patient\",\"id\":\"x1\",\"text\":{\"status\":\"generated\",\"div\":\"" + new string('a', 70_000) + "\"}}";

        var outcome = await (await SendAsync(method, url, Http.Json(big))).AssertOutcomeAsync(HttpStatusCode.RequestEntityTooLarge);

        Assert.Contains("65536", outcome.Diagnostics());
    }

    [Fact]
    public async Task ChunkedBodyOverTheLimit_Is413()
    {
        var big = Encoding.UTF8.GetBytes("{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"id\":\"" + new string('a', 200_000) + "\"}");
        using var content = new StreamContent(new NoLengthStream(big));
        content.Headers.ContentType = new("application/fhir+json");

        await (await _client.PostAsync("/fhir", content)).AssertOutcomeAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("/fhir/Patient")]
    [InlineData("/fhir/$validate")]
    public async Task XmlWithADtd_IsRefused(string url)
    {
        const string xml = """
            <?xml version="1.0"?>
            <!DOCTYPE Patient [ <!ENTITY x "xxxxxxxxxxxxxxxxxxxxxxxxxx"> <!ENTITY y "&x;&x;&x;&x;&x;&x;&x;&x;"> ]>
            <Patient xmlns="http://hl7.org/fhir"><id value="&y;"/></Patient>
            """;

        var outcome = await (await _client.PostAsync(url, Http.Json(xml, "application/fhir+xml"))).AssertOutcomeAsync(HttpStatusCode.BadRequest);

        Assert.Contains("DTD", outcome.Diagnostics());
    }

    [Fact]
    public async Task XmlWithoutADtd_IsRead()
    {
        const string xml = """<Patient xmlns="http://hl7.org/fhir"><id value="xml1"/><gender value="female"/></Patient>""";

        var response = await _client.PutAsync("/fhir/Patient/xml1", Http.Json(xml, "application/fhir+xml"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task JsonThatIsNotAFhirResource_Is400()
    {
        await (await _client.PostAsync("/fhir/Patient", Http.Json("{\"resourceType\":\"Patient\",\"gender\":42}"))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
        await (await _client.PostAsync("/fhir/Patient", Http.Json("{\"name\":\"no resourceType\"}"))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
        await (await _client.PostAsync("/fhir/Patient", Http.Json("[1,2,3]"))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task EmptyBody_Is400()
    {
        await (await _client.PostAsync("/fhir/Patient", Http.Json(""))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
        await (await _client.PostAsync("/stm/sessions", Http.Json("", "application/json"))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UnsupportedMediaType_Is415()
    {
        await (await _client.PostAsync("/fhir/Patient", Http.Json("{}", "text/plain"))).AssertOutcomeAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task UnsupportedMethod_Is405Outcome()
    {
        // Versions are never deleted one by one (a delete of the resource adds a version).
        await (await _client.DeleteAsync("/fhir/Patient/x/_history/1")).AssertOutcomeAsync(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task RandomGarbage_NeverGivesA5xx()
    {
        var random = new Random(7);
        var session = SessionJson.Text();
        for (var i = 0; i < 60; i++)
        {
            var cut = session[..random.Next(session.Length)];
            var bytes = Encoding.UTF8.GetBytes(cut);
            if (bytes.Length > 0)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }
            foreach (var url in new[] { "/stm/sessions", "/fhir", "/fhir/$validate" })
            {
                var content = new ByteArrayContent(bytes);
                content.Headers.ContentType = new("application/json");
                var response = await _client.PostAsync(url, content);
                Assert.True((int)response.StatusCode < 500, $"{url} answered {(int)response.StatusCode}");
            }
        }
    }

    /// <summary>A stream that hides its length, so the client sends it chunked with no Content-Length.</summary>
    private sealed class NoLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
