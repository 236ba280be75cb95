using System.Net;
using Microsoft.Extensions.DependencyInjection;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Gateway.Validation;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Health;

/// <summary>Liveness, readiness and the OpenAPI document.</summary>
public sealed class HealthTests(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    [Fact]
    public async Task Healthz_WhileRunning_AnswersOk()
    {
        var response = await factory.CreateClient().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_WithDatabaseProfilesAndValidator_IsReady()
    {
        // The engine builds and warms up in the background (seconds); readiness waits for it.
        var client = factory.CreateClient();
        var response = await client.GetAsync("/readyz");
        for (var attempt = 0; attempt < 240 && response.StatusCode != HttpStatusCode.OK; attempt++)
        {
            await Task.Delay(500);
            response = await client.GetAsync("/readyz");
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.Equal("sqlite: reachable", body.GetProperty("database").GetString());
        Assert.EndsWith("loaded", body.GetProperty("profiles").GetString());
    }

    [Fact]
    public async Task Readyz_WithoutProfiles_Is503()
    {
        await using var gateway = new GatewayFactory();
        gateway.Settings["Profiles:Directory"] = gateway.Folder; // an existing folder with no profiles in it

        var response = await gateway.CreateClient().GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.StartsWith("not loaded", (await response.ReadJsonAsync()).GetProperty("profiles").GetString());
    }

    [Fact]
    public async Task Readyz_WhileTheValidatorIsNotReady_Is503()
    {
        await using var gateway = new GatewayFactory { Validator = new NotReadyValidator() };

        var response = await gateway.CreateClient().GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }

    [Fact]
    public async Task OpenApi_DescribesTheNonFhirEndpointsOnly()
    {
        var document = await (await factory.CreateClient().GetAsync("/openapi/v1.json")).ReadJsonAsync();

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/stm/sessions", paths);
        Assert.Contains("/healthz", paths);
        Assert.Contains("/readyz", paths);
        Assert.DoesNotContain(paths, p => p.StartsWith("/fhir", StringComparison.Ordinal));
        var post = document.GetProperty("paths").GetProperty("/stm/sessions").GetProperty("post");
        Assert.True(post.GetProperty("responses").TryGetProperty("422", out _));
    }

    private sealed class NotReadyValidator : IResourceValidator
    {
        public bool IsReady => false;

        public Task<ValidationVerdict> ValidateAsync(Hl7.Fhir.Model.Resource resource, string? profile = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();
    }
}
