using System.Net;
using System.Text.Json;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Security;

/// <summary>
/// The Host header never reaches a URL the gateway writes: without <c>Fhir:PublicBaseUrl</c> an unknown Host is
/// refused (AllowedHosts defaults to this machine's names); with it, every absolute URL starts with it.
/// </summary>
public sealed class PublicAddressTests
{
    private const string Spoofed = "evil.example.org";

    private static HttpRequestMessage Get(string url, string host) => new(HttpMethod.Get, url) { Headers = { Host = host } };

    [Fact]
    public async Task SpoofedHost_WithoutAPublicBaseUrl_Is400Outcome_AndLoopbackNamesAreServed()
    {
        await using var factory = new KestrelGatewayFactory();
        using var client = factory.RealClient();

        var spoofed = await client.SendAsync(Get("/fhir/metadata", Spoofed));
        var named = await client.SendAsync(Get("/fhir/metadata", $"localhost:{factory.Address.Port}"));
        var created = await client.PostAsync("/fhir/Patient", Http.Fhir(new Patient { Identifier = [new Identifier("https://example-hospital.org/mrn", "PA-1")] }));

        var outcome = await spoofed.AssertOutcomeAsync(HttpStatusCode.BadRequest);
        Assert.Contains("AllowedHosts", outcome.Diagnostics());
        Assert.True(spoofed.Headers.Contains("X-Correlation-Id"));
        Assert.DoesNotContain(Spoofed, await spoofed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        Assert.Equal($"http://localhost:{factory.Address.Port}/fhir", (await named.ReadFhirAsync<CapabilityStatement>()).Implementation!.Url);
        Assert.StartsWith($"http://127.0.0.1:{factory.Address.Port}/fhir/Patient/", created.Headers.Location!.ToString());
    }

    [Fact]
    public async Task ConfiguredAllowedHosts_ReplaceTheDefault()
    {
        await using var factory = new KestrelGatewayFactory();
        factory.Settings["AllowedHosts"] = "stm.example-hospital.org;*.example-clinic.org";
        using var client = factory.RealClient();

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Get("/fhir/metadata", "stm.example-hospital.org"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Get("/fhir/metadata", "pt.example-clinic.org:8443"))).StatusCode);
        await (await client.SendAsync(Get("/fhir/metadata", "127.0.0.1"))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
        await (await client.SendAsync(Get("/fhir/metadata", Spoofed))).AssertOutcomeAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task WithAPublicBaseUrl_EveryAbsoluteUrlStartsWithIt_WhateverTheHost()
    {
        const string Public = "https://stm.example-hospital.org/gateway";
        await using var factory = new KestrelGatewayFactory();
        factory.Settings["Fhir:PublicBaseUrl"] = Public + "/";
        using var client = factory.RealClient();
        async Task<string> SendAsync(HttpMethod method, string url, HttpContent? content = null)
        {
            using var request = new HttpRequestMessage(method, url) { Content = content, Headers = { Host = Spoofed } };
            var response = await client.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"{method} {url}: {(int)response.StatusCode}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain(Spoofed, body + response.Headers.Location);
            if (response.Headers.Location is { } location)
            {
                Assert.StartsWith(Public + "/fhir/", location.ToString());
            }
            return body;
        }

        await SendAsync(HttpMethod.Post, "/stm/sessions", Http.Json(SessionJson.Text("PA-S1"), "application/json"));
        await SendAsync(HttpMethod.Post, "/fhir/Patient", Http.Fhir(new Patient { Identifier = [new Identifier("https://example-hospital.org/mrn", "PA-2")] }));
        var search = await SendAsync(HttpMethod.Get, "/fhir/Procedure?_count=1");
        var history = FhirJson.Deserialize<Bundle>(search).Entry[0].FullUrl!.Replace(Public, "", StringComparison.Ordinal) + "/_history";
        var metadata = await SendAsync(HttpMethod.Get, "/fhir/metadata");
        var package = await SendAsync(HttpMethod.Get, "/fhir/StructureDefinition?_count=1");
        var openApi = await SendAsync(HttpMethod.Get, "/openapi/v1.json");

        var searchBundle = FhirJson.Deserialize<Bundle>(search);
        Assert.All(searchBundle.Link, l => Assert.StartsWith(Public + "/fhir/Procedure?", l.Url));
        Assert.All(searchBundle.Entry, e => Assert.StartsWith(Public + "/fhir/Procedure/", e.FullUrl));
        Assert.All(FhirJson.Deserialize<Bundle>(await SendAsync(HttpMethod.Get, history)).Entry, e => Assert.StartsWith(Public + "/fhir/", e.FullUrl));
        Assert.Equal(Public + "/fhir", FhirJson.Deserialize<CapabilityStatement>(metadata).Implementation!.Url);
        Assert.All(FhirJson.Deserialize<Bundle>(package).Link, l => Assert.StartsWith(Public + "/fhir/", l.Url));
        using var document = JsonDocument.Parse(openApi);
        Assert.Equal(Public, document.RootElement.GetProperty("servers")[0].GetProperty("url").GetString());
    }
}
