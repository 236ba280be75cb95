using System.Net;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Security;

/// <summary>Patient data needs a credential (API key or JWT) with the right permission; metadata, package and health do not.</summary>
public sealed class AuthenticationTests(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    public static TheoryData<string, string> DataEndpoints => new()
    {
        { "GET", "/fhir/Patient" },
        { "GET", "/fhir/Patient/p1" },
        { "GET", "/fhir/Patient/p1/_history" },
        { "GET", "/fhir/Patient/p1/_history/1" },
        { "POST", "/fhir/Patient" },
        { "PUT", "/fhir/Patient/p1" },
        { "POST", "/fhir" },
        { "POST", "/fhir/$validate" },
        { "POST", "/fhir/Patient/$validate" },
        { "POST", "/stm/sessions" },
    };

    private static HttpRequestMessage Request(string method, string url) => new(new HttpMethod(method), url)
    {
        Content = method == "GET" ? null : Http.Fhir(new Patient { Id = "p1" }),
    };

    [Theory]
    [MemberData(nameof(DataEndpoints))]
    public async Task NoCredential_Is401Outcome(string method, string url)
    {
        var response = await factory.CreateClient().SendAsync(Request(method, url));

        await response.AssertOutcomeAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [MemberData(nameof(DataEndpoints))]
    public async Task WrongApiKey_Is401(string method, string url)
    {
        await (await factory.ClientWithKey("not-a-key-of-this-gateway").SendAsync(Request(method, url))).AssertOutcomeAsync(HttpStatusCode.Unauthorized);
        await (await factory.ClientWithBearer("not-a-key-of-this-gateway").SendAsync(Request(method, url))).AssertOutcomeAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("/fhir/metadata")]
    [InlineData("/fhir/StructureDefinition")]
    [InlineData("/healthz")]
    [InlineData("/openapi/v1.json")]
    public async Task OpenEndpoints_NeedNoCredential(string url)
    {
        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task ApiKey_InEitherHeader_IsAccepted()
    {
        Assert.Equal(HttpStatusCode.OK, (await factory.ClientWithKey().GetAsync("/fhir/Patient")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.ClientWithBearer(GatewayFactory.ReadWriteKey).GetAsync("/fhir/Patient")).StatusCode);
    }

    [Fact]
    public async Task ReadOnlyKey_CanReadButWritingIs403()
    {
        var client = factory.ClientWithKey(GatewayFactory.ReadOnlyKey);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/fhir/Patient")).StatusCode);
        await (await client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text(), "application/json"))).AssertOutcomeAsync(HttpStatusCode.Forbidden);
        await (await client.PutAsync("/fhir/Patient/p1", Http.Fhir(new Patient { Id = "p1" }))).AssertOutcomeAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task ExchangeStatus_NeedsTheReadScope()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync("/exchange/status")).StatusCode);
        await (await factory.ClientWithKey(GatewayFactory.WriteOnlyKey).GetAsync("/exchange/status")).AssertOutcomeAsync(HttpStatusCode.Forbidden);
        var response = await factory.ClientWithKey(GatewayFactory.ReadOnlyKey).GetAsync("/exchange/status");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"targets\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task WriteOnlyKey_CannotRead()
    {
        await (await factory.ClientWithKey(GatewayFactory.WriteOnlyKey).GetAsync("/fhir/Patient")).AssertOutcomeAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Jwt_WithReadScope_Reads_AndWithoutWriteScopeIs403()
    {
        var client = factory.ClientWithBearer(TestTokens.Create("stmfhir.read"));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/fhir/Patient")).StatusCode);
        await (await client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text(), "application/json"))).AssertOutcomeAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Jwt_WithSmartSystemScope_Writes()
    {
        var client = factory.ClientWithBearer(TestTokens.Create("system/*.read system/*.write"));

        var response = await client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text("JWT-1"), "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Jwt_WithWrongAudienceIssuerKeyOrExpired_Is401()
    {
        var otherKey = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("another-signing-key-of-more-than-32-bytes"));
        foreach (var token in new[]
        {
            TestTokens.Create("stmfhir.read", audience: "someone-else"),
            TestTokens.Create("stmfhir.read", issuer: "https://evil.example.org"),
            TestTokens.Create("stmfhir.read", signingKeyBase64: otherKey),
            TestTokens.Create("stmfhir.read", expires: DateTime.UtcNow.AddMinutes(-10)),
        })
        {
            await (await factory.ClientWithBearer(token).GetAsync("/fhir/Patient")).AssertOutcomeAsync(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task WriteOnlyKey_ConditionalCreateMatchingAPatient_AnswersWithoutTheRecord()
    {
        var created = await factory.ClientWithKey().PostAsync("/fhir/Patient", Http.Fhir(WriteAnswerScopeTests.Patient("AUTH-CC-1")));
        var id = (await created.ReadFhirAsync<Patient>()).Id;

        using var request = WriteAnswerScopeTests.ConditionalCreate(WriteAnswerScopeTests.Patient("AUTH-CC-1"), $"identifier={WriteAnswerScopeTests.Mrn}|AUTH-CC-1");
        var matched = await factory.ClientWithKey(GatewayFactory.WriteOnlyKey).SendAsync(request);

        await WriteAnswerScopeTests.AssertNoBodyAsync(matched, HttpStatusCode.OK, $"/fhir/Patient/{id}/_history/1");
    }

    [Fact]
    public async Task Validate_NeedsReadOrWrite_NotJustAValidToken()
    {
        HttpRequestMessage Validate() => new(HttpMethod.Post, "/fhir/$validate") { Content = Http.Fhir(new Patient { Id = "v1" }) };

        await (await factory.ClientWithBearer(TestTokens.Create("openid profile")).SendAsync(Validate())).AssertOutcomeAsync(HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await factory.ClientWithBearer(TestTokens.Create("stmfhir.read")).SendAsync(Validate())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.ClientWithBearer(TestTokens.Create("system/*.write")).SendAsync(Validate())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.ClientWithKey(GatewayFactory.ReadOnlyKey).SendAsync(Validate())).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await factory.ClientWithKey(GatewayFactory.WriteOnlyKey).SendAsync(Validate())).StatusCode);
    }
}
