using System.Net;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Security;

/// <summary>
/// On real Kestrel: answers that may carry patient data are not stored by caches, no answer is content-sniffed, and no
/// answer names the server software. Errors carry the same headers and the correlation id.
/// </summary>
public sealed class ApiHeadersTests(KestrelGatewayFactory factory) : IClassFixture<KestrelGatewayFactory>
{
    private static void AssertApiHeaders(HttpResponseMessage response, bool noStore)
    {
        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
        Assert.False(response.Headers.Contains("Server"), "the Server header names the server software");
        Assert.Equal(noStore, response.Headers.CacheControl?.NoStore == true);
        Assert.True(response.Headers.Contains("X-Correlation-Id"));
    }

    [Theory]
    [InlineData("/fhir/Patient")]
    [InlineData("/fhir/Patient/unknown-id")]
    [InlineData("/fhir/Patient/unknown-id/_history")]
    [InlineData("/exchange/status")]
    [InlineData("/fhir/NoSuchType")]
    public async Task DataAnswers_AreNoStoreAndNoSniff(string url)
    {
        using var client = factory.RealClient();

        AssertApiHeaders(await client.GetAsync(url), noStore: true);
    }

    [Fact]
    public async Task Writes_AreNoStoreAndNoSniff()
    {
        using var client = factory.RealClient();

        AssertApiHeaders(await client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text("HDR-1"), "application/json")), noStore: true);
        AssertApiHeaders(await client.PostAsync("/fhir/$validate", Http.Json("""{"resourceType":"Patient"}""")), noStore: true);
    }

    [Fact]
    public async Task Refusals_CarryTheSameHeaders()
    {
        using var anonymous = factory.RealClient(key: null);
        using var writeOnly = factory.RealClient(GatewayFactory.WriteOnlyKey);

        var unauthorized = await anonymous.GetAsync("/fhir/Patient");
        var forbidden = await writeOnly.GetAsync("/fhir/Patient");

        await unauthorized.AssertOutcomeAsync(HttpStatusCode.Unauthorized);
        await forbidden.AssertOutcomeAsync(HttpStatusCode.Forbidden);
        AssertApiHeaders(unauthorized, noStore: true);
        AssertApiHeaders(forbidden, noStore: true);
    }

    [Theory]
    [InlineData("/fhir/metadata")]
    [InlineData("/fhir/StructureDefinition")]
    [InlineData("/healthz")]
    [InlineData("/openapi/v1.json")]
    public async Task OpenAnswers_WithoutPatientData_MayBeCached_ButAreNotSniffed(string url)
    {
        using var anonymous = factory.RealClient(key: null);

        var response = await anonymous.GetAsync(url);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        AssertApiHeaders(response, noStore: false);
    }
}
