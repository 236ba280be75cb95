using System.Collections;
using StmFhir.Cli.Commands;

namespace StmFhir.Cli.Tests.Commands;

/// <summary>The CLI reads the gateway's storage settings as the gateway does: settings file, then environment, then options.</summary>
public sealed class StorageSettingsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void EnvironmentOverridesTheFile_AndOptionsOverrideBoth()
    {
        var file = _folder.File("appsettings.json", """{ "Storage": { "Provider": "postgresql", "ConnectionString": "Host=file", "SqliteDurableCommits": false } }""");
        var environment = new Hashtable { ["Storage__ConnectionString"] = "Host=environment", ["Other__Setting"] = "x" };

        var fromFileAndEnvironment = StorageSettings.Read(new(file, null, null, null), environment);
        var withOptions = StorageSettings.Read(new(file, null, "Host=option", null), environment);

        Assert.Equal(("postgresql", "Host=environment", false), (fromFileAndEnvironment.Provider, fromFileAndEnvironment.ConnectionString, fromFileAndEnvironment.SqliteDurableCommits));
        Assert.Equal("Host=option", withOptions.ConnectionString);
    }

    [Fact]
    public void DataDirVariable_WinsOverStorageDataDirectory_AsInTheGateway_AndDataOptionWinsOverBoth()
    {
        var environment = new Hashtable { ["STORAGE__DATADIRECTORY"] = "/from/storage", ["STMFHIR_DATA_DIR"] = "/from/data-dir" };

        Assert.Equal("/from/data-dir", StorageSettings.Read(new(null, null, null, null), environment).DataDirectory);
        Assert.Equal("/from/option", StorageSettings.Read(new(null, null, null, "/from/option"), environment).DataDirectory);
        Assert.Equal(("sqlite", "data"), (StorageSettings.Read(new(null, null, null, null), new Hashtable()).Provider, StorageSettings.Read(new(null, null, null, null), new Hashtable()).DataDirectory));
    }

    [Fact]
    public void SettingsFileThatIsNotJson_IsRefusedWithItsName()
    {
        var file = _folder.File("broken.json", "{ not json");

        var error = Assert.Throws<InvalidDataException>(() => StorageSettings.Read(new(file, null, null, null), new Hashtable()));

        Assert.Contains("broken.json", error.Message);
    }
}
