using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Health;

/// <summary>Options are validated at start; the automation variables work on the real executable.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Fhir:MaxJsonDepth", "2")]
    [InlineData("Fhir:MaxRequestBodyBytes", "10")]
    [InlineData("Storage:Provider", "oracle")]
    [InlineData("Authentication:ApiKeys:0:Key", "short")]
    [InlineData("Authentication:Jwt:Audience", "")]
    public async Task InvalidOptions_StopTheAppAtStart(string key, string value)
    {
        await using var gateway = new GatewayFactory();
        gateway.Settings[key] = value;

        var error = Assert.ThrowsAny<Exception>(() => gateway.CreateClient());

        Assert.IsType<OptionsValidationException>(error.GetBaseException());
    }

    [Fact]
    public async Task RealProcess_HonoursAspNetCoreUrlsDataDirAndApiKey()
    {
        var folder = Path.Combine(Path.GetTempPath(), "stmfhir-proc-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", Path.Combine(AppContext.BaseDirectory, "StmFhir.Gateway.dll"))
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["STMFHIR_DATA_DIR"] = Path.Combine(folder, "store");
        start.Environment["STMFHIR_API_KEY"] = "process-test-key-0000001";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var process = Process.Start(start)!;
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                try
                {
                    if ((await client.GetAsync("/healthz")).IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException) when (DateTime.UtcNow < deadline && !process.HasExited)
                {
                }
                await Task.Delay(200);
            }
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/fhir/Patient")).StatusCode);
            client.DefaultRequestHeaders.Add("X-Api-Key", "process-test-key-0000001");
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/fhir/Patient")).StatusCode);
            Assert.True(File.Exists(Path.Combine(folder, "store", "stmfhir.db")));
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
