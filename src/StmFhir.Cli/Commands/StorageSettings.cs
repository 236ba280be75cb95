using System.Collections;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using StmFhir.Exchange.Storage;

namespace StmFhir.Cli.Commands;

/// <summary>
/// The gateway's storage settings (<see cref="StorageOptions"/>, section <c>Storage</c>) read the way the gateway reads
/// them, so that a command opens the database the gateway uses: a gateway settings file (<c>--config</c>, e.g. its
/// appsettings.Production.json), then environment variables (<c>Storage__Provider</c>, <c>Storage__ConnectionString</c>,
/// <c>Storage__DataDirectory</c>, and <c>STMFHIR_DATA_DIR</c>, which wins over the other two sources as in the gateway),
/// then the command's own options. Later sources win.
/// </summary>
internal static class StorageSettings
{
    private const string EnvironmentPrefix = StorageOptions.Section + "__";
    private const string DataDirVariable = "STMFHIR_DATA_DIR";

    /// <summary>What the command line says; null where it says nothing.</summary>
    /// <param name="ConfigFile">A gateway settings file (JSON) whose <c>Storage</c> section is read.</param>
    /// <param name="Provider"><c>sqlite</c> or <c>postgresql</c>.</param>
    /// <param name="ConnectionString">The Npgsql connection string.</param>
    /// <param name="DataDirectory">The SQLite data folder.</param>
    public sealed record Arguments(string? ConfigFile, string? Provider, string? ConnectionString, string? DataDirectory);

    /// <summary>The options; throws <see cref="InvalidDataException"/> for a settings file that cannot be read as JSON.</summary>
    public static StorageOptions Read(Arguments arguments, IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (arguments.ConfigFile is { } file)
        {
            ReadFile(file, values);
        }
        foreach (DictionaryEntry variable in environment)
        {
            if (variable.Key is string name && name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
            {
                values[name.Replace("__", ":", StringComparison.Ordinal)] = variable.Value as string;
            }
        }
        if (environment[DataDirVariable] is string { Length: > 0 } dataDir)
        {
            values[$"{StorageOptions.Section}:{nameof(StorageOptions.DataDirectory)}"] = dataDir;
        }
        Set(values, nameof(StorageOptions.Provider), arguments.Provider);
        Set(values, nameof(StorageOptions.ConnectionString), arguments.ConnectionString);
        Set(values, nameof(StorageOptions.DataDirectory), arguments.DataDirectory);

        var options = new StorageOptions();
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(StorageOptions.Section).Bind(options);
        return options;
    }

    private static void Set(Dictionary<string, string?> values, string name, string? value)
    {
        if (value is not null)
        {
            values[$"{StorageOptions.Section}:{name}"] = value;
        }
    }

    // The Storage section's scalar settings, as configuration keys (Storage:Provider, ...).
    private static void ReadFile(string file, Dictionary<string, string?> values)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(file), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file} is not a JSON settings file: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{file} is not a JSON settings file: its root is not an object");
            }
            foreach (var section in document.RootElement.EnumerateObject().Where(p => string.Equals(p.Name, StorageOptions.Section, StringComparison.OrdinalIgnoreCase)))
            {
                if (section.Value.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }
                foreach (var setting in section.Value.EnumerateObject())
                {
                    values[$"{StorageOptions.Section}:{setting.Name}"] = setting.Value.ValueKind switch
                    {
                        JsonValueKind.String => setting.Value.GetString(),
                        JsonValueKind.Null => null,
                        _ => setting.Value.GetRawText(),
                    };
                }
            }
        }
    }
}
