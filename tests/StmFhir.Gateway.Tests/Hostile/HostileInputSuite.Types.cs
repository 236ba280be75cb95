using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared.Fuzz;

namespace StmFhir.Gateway.Tests.Hostile;

/// <summary>Names that are not a concrete resource type, where a resource type belongs (the 26-byte request that killed the process).</summary>
public abstract partial class HostileInputSuite
{
    private const int StopAfterFailures = 3;

    [Fact]
    public async Task ElementAtValidate_IsAnsweredAndTheProcessLives()
    {
        var gateway = await GatewayAsync();

        using var response = await gateway.PostAsync("/fhir/$validate", """{"resourceType":"Element"}""");

        await AssertValidationErrorAsync(response, "Element", "resourceType");
        await gateway.AssertAliveAsync();
    }

    /// <summary>Every datatype and abstract type of the Firely model (not a hand-kept list), at every endpoint, as JSON and as an XML root.</summary>
    [Fact]
    public async Task EveryDatatypeAndAbstractTypeName_IsRefusedAtEveryEndpoint_AndTheProcessLives()
    {
        var gateway = await GatewayAsync();
        var failures = new List<string>();
        Assert.Contains("Element", TypeNames.DatatypeAndAbstract);
        Assert.Contains("DomainResource", TypeNames.DatatypeAndAbstract);
        Assert.True(TypeNames.DatatypeAndAbstract.Count > 60, $"only {TypeNames.DatatypeAndAbstract.Count} names");
        foreach (var name in TypeNames.DatatypeAndAbstract)
        {
            var resource = new JsonObject { ["resourceType"] = name };
            var attempts = ResourceEndpoints(resource).Select(e => (e.Name, Send: (Func<Task<HttpResponseMessage>>)(() =>
                gateway.SendAsync(e.Method, e.Path, HostileGateway.Body(e.Body, "application/fhir+json"), timeout: TimeSpan.FromSeconds(10))), e.Path))
                .Append(("XML root at $validate", () => gateway.SendAsync(HttpMethod.Post, "/fhir/$validate",
                    HostileGateway.Body($"<{name} xmlns=\"http://hl7.org/fhir\"><id value=\"x\"/></{name}>", "application/fhir+xml"), timeout: TimeSpan.FromSeconds(10)), "/fhir/$validate"))
                .Append(($"/fhir/{name}/$validate", () => gateway.SendAsync(HttpMethod.Post, $"/fhir/{name}/$validate",
                    HostileGateway.Body(resource.ToJsonString(), "application/fhir+json"), timeout: TimeSpan.FromSeconds(10)), "(url)"));
            foreach (var (endpoint, send, path) in attempts)
            {
                try
                {
                    await gateway.EnsureRunningAsync();
                    using var response = await send();
                    if (path.EndsWith("$validate", StringComparison.Ordinal))
                    {
                        await AssertValidationErrorAsync(response, name, "resourceType");
                    }
                    else if (endpoint == "batch" && response.StatusCode == HttpStatusCode.OK)
                    {
                        Assert.StartsWith("4", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["entry"]![0]!["response"]!["status"]!.GetValue<string>());
                    }
                    else
                    {
                        await AssertRefusedAsync(response, [name, "resourceType"]);
                    }
                }
                catch (Exception e) when (e is Xunit.Sdk.XunitException or TimeoutException or HttpRequestException)
                {
                    failures.Add($"\"{name}\" at {endpoint}: {e.Message.Split('\n')[0]}");
                }
                if (failures.Count >= StopAfterFailures)
                {
                    Assert.Fail($"stopped after {failures.Count} failures:\n{string.Join('\n', failures)}");
                }
            }
        }
        Assert.Empty(failures);
        await gateway.AssertAliveAsync();
    }

    [Fact]
    public async Task EmptyResourceType_IsRefusedEverywhere()
    {
        var gateway = await GatewayAsync();

        await AssertRefusedEverywhereAsync(gateway, new JsonObject { ["resourceType"] = "", ["id"] = "x" }, "resourceType");
    }

    [Fact]
    public async Task ValidateWithACredentialWithoutStmFhirScope_Is403()
    {
        var gateway = await GatewayAsync();
        var token = TestTokens.Create("openid profile");

        using var response = await gateway.SendAsync(HttpMethod.Post, "/fhir/$validate",
            HostileGateway.Body(Encoding.UTF8.GetBytes("""{"resourceType":"Patient"}"""), "application/fhir+json"), key: token);

        await AssertRefusedAsync(response, ["read", "write", "scope", "permission", "credential"], HttpStatusCode.Forbidden);
    }
}
