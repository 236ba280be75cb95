using System.Net;
using System.Text;
using System.Text.Json;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.ValidatorPage;

/// <summary>
/// The validator page (<c>GET /validate</c>): served to anyone with a strict content security policy, and the requests its
/// script makes answer in the shape the script reads (<c>page.test.mjs</c> checks the script's side with Node).
/// </summary>
public sealed class ValidatorPageTests(EngineGateway factory) : IClassFixture<EngineGateway>
{
    [Fact]
    public async Task ThePage_WithoutCredential_IsServedWithAStrictContentSecurityPolicy()
    {
        var response = await factory.CreateClient().GetAsync("/validate");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy);
        Assert.DoesNotContain("unsafe-inline", policy);
        Assert.Contains("<script type=\"module\" src=\"/validate/page.mjs\">", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/validate/page.mjs", "text/javascript")]
    [InlineData("/validate/page.css", "text/css")]
    public async Task TheScriptAndStyle_AreServedWithTheirMediaTypes(string path, string mediaType)
    {
        var response = await factory.CreateClient().GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", string.Join("", response.Headers.GetValues("X-Content-Type-Options")));
    }

    [Fact]
    public async Task AFileThePageDoesNotHave_IsNotFound()
    {
        var response = await factory.CreateClient().GetAsync("/validate/..%2Fappsettings.json");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task TheProfileList_ThePageLoads_IsOpenAndListsTheStmProfiles()
    {
        var response = await factory.CreateClient().GetAsync("/fhir/StructureDefinition");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var bundle = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var urls = bundle.RootElement.GetProperty("entry").EnumerateArray()
            .Select(e => e.GetProperty("resource").GetProperty("url").GetString()).ToList();
        Assert.Contains("http://stmfhir.org/fhir/StructureDefinition/stm-procedure", urls);
    }

    [Fact]
    public async Task ValidatingAsThePageDoes_AnInvalidSample_AnswersTheIssueWithItsCodeAndExpression()
    {
        // What page.mjs sends: the pasted text, its media type, the key in X-Api-Key; it reads details.coding[0].code and expression.
        var text = await File.ReadAllTextAsync(RepoPaths.Samples("invalid", "clinical-petechiae.json"));
        using var expected = JsonDocument.Parse(await File.ReadAllTextAsync(RepoPaths.Samples("invalid", "clinical-petechiae.expected.json")));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/$validate")
        {
            Content = new StringContent(text, Encoding.UTF8, "application/fhir+json"),
        };
        request.Headers.Add("X-Api-Key", GatewayFactory.ReadWriteKey);

        var response = await factory.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var outcome = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var issues = outcome.RootElement.GetProperty("issue").EnumerateArray()
            .Select(i => (Code: i.GetProperty("details").GetProperty("coding")[0].GetProperty("code").GetString(),
                          Expression: i.GetProperty("expression")[0].GetString()))
            .ToList();
        var wanted = expected.RootElement.GetProperty("issues").EnumerateArray().Single();
        Assert.Contains((wanted.GetProperty("code").GetString(), wanted.GetProperty("expression").GetString()), issues);
    }

    [Fact]
    public async Task ValidatingWithoutTheKey_Is401_SoThePageCanSayWhy()
    {
        var response = await factory.CreateClient().PostAsync("/fhir/$validate", new StringContent("{\"resourceType\":\"Patient\"}", Encoding.UTF8, "application/fhir+json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
    }
}
