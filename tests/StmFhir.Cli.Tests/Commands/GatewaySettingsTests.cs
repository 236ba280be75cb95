using System.Collections;
using StmFhir.Cli.Commands;

namespace StmFhir.Cli.Tests.Commands;

/// <summary>The CLI reads the gateway's storage settings as the gateway does: settings file, then environment, then options.</summary>
public sealed class GatewaySettingsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void EnvironmentOverridesTheFile_AndOptionsOverrideBoth()
    {
        var file = _folder.File("appsettings.json", """{ "Storage": { "Provider": "postgresql", "ConnectionString": "Host=file", "SqliteDurableCommits": false } }""");
        var environment = new Hashtable { ["Storage__ConnectionString"] = "Host=environment", ["Other__Setting"] = "x" };

        var fromFileAndEnvironment = GatewaySettings.Storage(new(file, null, null, null), environment);
        var withOptions = GatewaySettings.Storage(new(file, null, "Host=option", null), environment);

        Assert.Equal(("postgresql", "Host=environment", false), (fromFileAndEnvironment.Provider, fromFileAndEnvironment.ConnectionString, fromFileAndEnvironment.SqliteDurableCommits));
        Assert.Equal("Host=option", withOptions.ConnectionString);
    }

    [Fact]
    public void DataDirVariable_WinsOverStorageDataDirectory_AsInTheGateway_AndDataOptionWinsOverBoth()
    {
        var environment = new Hashtable { ["STORAGE__DATADIRECTORY"] = "/from/storage", ["STMFHIR_DATA_DIR"] = "/from/data-dir" };

        Assert.Equal("/from/data-dir", GatewaySettings.Storage(new(null, null, null, null), environment).DataDirectory);
        Assert.Equal("/from/option", GatewaySettings.Storage(new(null, null, null, "/from/option"), environment).DataDirectory);
        Assert.Equal(("sqlite", "data"), (GatewaySettings.Storage(new(null, null, null, null), new Hashtable()).Provider, GatewaySettings.Storage(new(null, null, null, null), new Hashtable()).DataDirectory));
    }

    [Fact]
    public void SettingsFileThatIsNotJson_IsRefusedWithItsName()
    {
        var file = _folder.File("broken.json", "{ not json");

        var error = Assert.Throws<InvalidDataException>(() => GatewaySettings.Storage(new(file, null, null, null), new Hashtable()));

        Assert.Contains("broken.json", error.Message);
    }

    [Fact]
    public void ExchangeTargets_ComeFromTheFileAndTheEnvironment_AsTheGatewayReadsThem()
    {
        var file = _folder.File("appsettings.json", """{ "Exchange": { "Targets": [ { "Name": "hospital", "BaseUrl": "http://127.0.0.1:1/fhir" } ] } }""");
        var environment = new Hashtable { ["STMFHIR_TARGET_URL"] = "http://127.0.0.1:2/fhir", ["Exchange__Targets__0__Name"] = "renamed" };

        var exchange = StmFhir.Exchange.Targets.ExchangeOptions.From(GatewaySettings.Configuration(file, environment));

        Assert.Equal(["renamed", "default"], exchange.Targets.Select(t => t.Name).Order().Reverse());
    }
}
