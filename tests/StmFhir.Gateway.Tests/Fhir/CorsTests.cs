using System.Net;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>CORS: off without configuration; with allowed origins, preflight and answers for those origins only.</summary>
public sealed class CorsTests
{
    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/fhir/Patient");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return request;
    }

    [Fact]
    public async Task WithoutConfiguredOrigins_NoCorsHeadersAreSent_AndTheStatementSaysCorsIsOff()
    {
        await using var factory = new GatewayFactory();
        var client = factory.ClientWithKey();
        using var get = new HttpRequestMessage(HttpMethod.Get, "/fhir/metadata");
        get.Headers.Add("Origin", "https://app.example.org");

        var preflight = await client.SendAsync(Preflight("https://app.example.org"));
        var answer = await client.SendAsync(get);

        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False((await answer.ReadFhirAsync<CapabilityStatement>()).Rest[0].Security!.Cors);
    }

    [Fact]
    public async Task WithAnAllowedOrigin_ThePreflightAndTheAnswerAllowItAndExposeETag_AndNotAnotherOrigin()
    {
        await using var factory = new GatewayFactory();
        factory.Settings["Fhir:CorsAllowedOrigins:0"] = "https://app.example.org";
        var client = factory.ClientWithKey();
        using var get = new HttpRequestMessage(HttpMethod.Get, "/fhir/metadata");
        get.Headers.Add("Origin", "https://app.example.org");

        var preflight = await client.SendAsync(Preflight("https://app.example.org"));
        var other = await client.SendAsync(Preflight("https://evil.example.com"));
        var answer = await client.SendAsync(get);

        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal("https://app.example.org", preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal("https://app.example.org", answer.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("ETag", answer.Headers.GetValues("Access-Control-Expose-Headers").Single(), StringComparison.Ordinal);
        Assert.True((await answer.ReadFhirAsync<CapabilityStatement>()).Rest[0].Security!.Cors);
    }

    [Fact]
    public async Task AnOriginWithAPath_IsRefusedAtStart_NamingTheSetting()
    {
        await using var factory = new GatewayFactory();
        factory.Settings["Fhir:CorsAllowedOrigins:0"] = "https://app.example.org/path";

        var error = Record.Exception(() => factory.ClientWithKey());

        Assert.NotNull(error);
        Assert.Contains("Fhir:CorsAllowedOrigins", error.ToString(), StringComparison.Ordinal);
    }
}
