using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StmFhir.Gateway.Validation;

namespace StmFhir.Gateway.Tests.Infrastructure;

/// <summary>
/// The real gateway in-process on a real SQLite file in a temp folder, with its logs written to files there (a compact
/// JSON file as configured for production and a second file in the console's text format), and test credentials.
/// </summary>
public class GatewayFactory : WebApplicationFactory<Program>
{
    public const string ReadWriteKey = "test-read-write-key-0001";
    public const string ReadOnlyKey = "test-read-only-key-00001";
    public const string WriteOnlyKey = "test-write-only-key-0001";

    public GatewayFactory()
    {
        Folder = Path.Combine(Path.GetTempPath(), "stmfhir-gw-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public string DataDirectory => Path.Combine(Folder, "data");

    public string JsonLogPath => Path.Combine(Folder, "logs", "gateway.clef");

    public string TextLogPath => Path.Combine(Folder, "logs", "gateway.txt");

    /// <summary>Extra settings, applied after the defaults below.</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    /// <summary>The validator the app uses; null keeps the app's own registration.</summary>
    /// <summary>
    /// Settings Program.cs reads while it registers services (before the host is built, so they must travel as
    /// UseSetting), e.g. the exchange targets.
    /// </summary>
    public Dictionary<string, string?> StartupSettings { get; } = [];

    internal IResourceValidator? Validator { get; set; } = SharedEngine.Instance;

    /// <summary>More service registrations, after the app's (e.g. an in-memory span exporter).</summary>
    public Action<IServiceCollection>? ExtraServices { get; set; }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = DataDirectory,
            ["Authentication:ApiKeys:0:Name"] = "tests-read-write",
            ["Authentication:ApiKeys:0:Key"] = ReadWriteKey,
            ["Authentication:ApiKeys:1:Name"] = "tests-read-only",
            ["Authentication:ApiKeys:1:Key"] = ReadOnlyKey,
            ["Authentication:ApiKeys:1:Scopes:0"] = "read",
            ["Authentication:ApiKeys:2:Name"] = "tests-write-only",
            ["Authentication:ApiKeys:2:Key"] = WriteOnlyKey,
            ["Authentication:ApiKeys:2:Scopes:0"] = "write",
            ["Authentication:Jwt:Issuer"] = TestTokens.Issuer,
            ["Authentication:Jwt:Audience"] = TestTokens.Audience,
            ["Authentication:Jwt:SymmetricKeys:0"] = TestTokens.SigningKeyBase64,
            ["Serilog:MinimumLevel:Default"] = "Debug",
            ["Serilog:WriteTo:0:Name"] = "File",
            ["Serilog:WriteTo:0:Args:path"] = TextLogPath,
            ["Serilog:WriteTo:0:Args:outputTemplate"] = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {Properties:j}{NewLine}{Exception}",
            ["Serilog:WriteTo:1:Name"] = "File",
            ["Serilog:WriteTo:1:Args:path"] = JsonLogPath,
            ["Serilog:WriteTo:1:Args:rollingInterval"] = "Infinite",
            ["Serilog:WriteTo:1:Args:formatter"] = "Serilog.Formatting.Compact.CompactJsonFormatter, Serilog.Formatting.Compact",
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }
        // Not UseSetting: it travels as command-line arguments, and the command-line provider then also reports the
        // parent of an array item ("Serilog:WriteTo:0") as an empty string, which Serilog reads as a sink named "".
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(settings));
        foreach (var (key, value) in StartupSettings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureServices(services =>
        {
            if (Validator is { } validator)
            {
                services.RemoveAll<IResourceValidator>();
                services.AddSingleton(validator);
            }
            ExtraServices?.Invoke(services);
        });
    }

    public HttpClient ClientWithKey(string key = ReadWriteKey)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    public HttpClient ClientWithBearer(string credential)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return client;
    }

    /// <summary>Everything logged so far, both files.</summary>
    public string ReadLogs()
    {
        var text = new System.Text.StringBuilder();
        foreach (var path in new[] { JsonLogPath, TextLogPath }.Where(File.Exists))
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            text.Append(reader.ReadToEnd());
        }
        return text.ToString();
    }

    /// <summary>Stops the app (flushing its logs) but keeps the temp folder for inspection until <see cref="DisposeAsync"/>.</summary>
    public async Task StopAsync() => await base.DisposeAsync();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A log file still closing; the temp folder is left for the OS to clean.
        }
        GC.SuppressFinalize(this);
    }
}
