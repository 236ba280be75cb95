using System.Collections;
using System.CommandLine;
using Microsoft.Extensions.Configuration;
using StmFhir.Exchange.Store;

namespace StmFhir.Cli.Commands;

/// <summary>
/// The gateway's settings read the way the gateway reads them, so that a command opens the database and the targets the
/// gateway uses: a gateway settings file (<c>--config</c>, e.g. its appsettings.Production.json), then environment
/// variables (<c>Storage__Provider</c>, <c>Exchange__Targets__0__Name</c>, <c>STMFHIR_TARGET_URL</c>, and
/// <c>STMFHIR_DATA_DIR</c>, which wins over the other two sources as in the gateway), then the command's own storage
/// options. Later sources win.
/// </summary>
internal static class GatewaySettings
{
    private const string DataDirVariable = "STMFHIR_DATA_DIR";

    /// <summary>What the command line says; null where it says nothing.</summary>
    /// <param name="ConfigFile">A gateway settings file (JSON).</param>
    /// <param name="Provider"><c>sqlite</c> or <c>postgresql</c>.</param>
    /// <param name="ConnectionString">The Npgsql connection string.</param>
    /// <param name="DataDirectory">The SQLite data folder.</param>
    public sealed record Arguments(string? ConfigFile, string? Provider, string? ConnectionString, string? DataDirectory);

    /// <summary>The settings file, then the environment (<c>A__B</c> is <c>A:B</c>), as one configuration.</summary>
    /// <exception cref="InvalidDataException">The settings file cannot be read as JSON (the message names it).</exception>
    /// <exception cref="FileNotFoundException">There is no settings file at that path.</exception>
    public static IConfiguration Configuration(string? configFile, IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }
        var variables = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry variable in environment)
        {
            if (variable.Key is string name)
            {
                variables[name.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = variable.Value as string;
            }
        }
        return builder.AddInMemoryCollection(variables).Build();
    }

    /// <summary>The storage options: <see cref="Configuration"/>'s <c>Storage</c> section, <c>STMFHIR_DATA_DIR</c>, then the command's options.</summary>
    public static StorageOptions Storage(Arguments arguments, IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var options = new StorageOptions();
        Configuration(arguments.ConfigFile, environment).GetSection(StorageOptions.Section).Bind(options);
        if (environment[DataDirVariable] is string { Length: > 0 } dataDir)
        {
            options.DataDirectory = dataDir;
        }
        options.Provider = arguments.Provider ?? options.Provider;
        options.ConnectionString = arguments.ConnectionString ?? options.ConnectionString;
        options.DataDirectory = arguments.DataDirectory ?? options.DataDirectory;
        return options;
    }

    /// <summary>The options naming the gateway's settings and database, shared by every command that opens them.</summary>
    internal sealed class Options
    {
        public Option<string?> Data { get; } = new("--data")
        {
            Description = "SQLite: the gateway's data folder (holding stmfhir.db); default STMFHIR_DATA_DIR, else Storage__DataDirectory, else 'data'.",
            Recursive = true,
        };

        public Option<string?> Provider { get; } = new("--provider")
        {
            Description = "The gateway's Storage:Provider, sqlite or postgresql; default Storage__Provider, else sqlite.",
            Recursive = true,
        };

        public Option<string?> ConnectionString { get; } = new("--connection-string")
        {
            Description = "PostgreSQL: the gateway's Storage:ConnectionString (Npgsql); default Storage__ConnectionString.",
            Recursive = true,
        };

        public Option<string?> Config { get; } = new("--config")
        {
            Description = "A gateway settings file (e.g. appsettings.Production.json) read first; environment variables and these options win over it.",
            Recursive = true,
        };

        public Options() => Provider.AcceptOnlyFromAmong("sqlite", "postgresql");

        public IEnumerable<Option> All => [Data, Provider, ConnectionString, Config];

        public Arguments From(ParseResult parseResult) => new(
            parseResult.GetValue(Config), parseResult.GetValue(Provider), parseResult.GetValue(ConnectionString), parseResult.GetValue(Data));
    }
}
