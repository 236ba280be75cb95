using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StmFhir.Gateway.Configuration;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Health;

/// <summary>Options are validated at start; the automation variables work on the real executable.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Fhir:MaxJsonDepth", "2")]
    [InlineData("Fhir:MaxRequestBodyBytes", "10")]
    [InlineData("Fhir:DefaultPageSize", "5000")]
    [InlineData("Fhir:ValidationWarmUp", "-00:00:01")]
    [InlineData("Storage:Provider", "oracle")]
    [InlineData("Storage:SqliteFileName", "a/b.db")]
    [InlineData("Authentication:ApiKeys:0:Key", "short")]
    [InlineData("Authentication:ApiKeys:0:Scopes:0", "admin")]
    [InlineData("Authentication:Jwt:Issuer", "https://login.example.org")]
    [InlineData("Profiles:Directory", "/no/such/folder")]
    public void InvalidOptions_AreRefusedAtStart(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Authentication:ApiKeys:0:Name"] = "tests",
            ["Authentication:ApiKeys:0:Key"] = GatewayFactory.ReadWriteKey,
            [key] = value,
        }).Build();
        using var provider = new ServiceCollection().AddGatewayOptions(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(key.Split(':')[0], error.Message);
    }

    [Fact]
    public async Task InvalidOptions_StopTheApp()
    {
        await using var gateway = new GatewayFactory();
        gateway.Settings["Fhir:MaxJsonDepth"] = "2";

        Assert.ThrowsAny<Exception>(() => gateway.CreateClient());
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
