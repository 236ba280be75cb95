using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace StmFhir.Tests.Shared;

/// <summary>
/// A throwaway PostgreSQL cluster (Debian's postgresql package) in a temp folder on a free loopback port, started once
/// for the test run and removed afterwards. initdb refuses to run as root, so as root the cluster runs as the
/// <c>postgres</c> system user that the package creates.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "stmfhir-pg-" + Guid.NewGuid().ToString("N"));
    private string _bin = "";

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; private set; }

    /// <summary>A connection string for a fresh schema of its own (each test store gets one).</summary>
    public string ConnectionStringForNewSchema(out string schema)
    {
        schema = "t_" + Guid.NewGuid().ToString("N");
        return $"Host=127.0.0.1;Port={Port};Username=stm;Database=postgres;Search Path={schema};Pooling=true;Maximum Pool Size=30";
    }

    /// <summary>Creates an empty schema and returns a connection string whose search path is that schema.</summary>
    public async Task<string> NewSchemaAsync()
    {
        var connectionString = ConnectionStringForNewSchema(out var schema);
        await using var admin = new Npgsql.NpgsqlConnection(AdminConnectionString);
        await admin.OpenAsync();
        await using var create = new Npgsql.NpgsqlCommand($"CREATE SCHEMA {schema}", admin);
        await create.ExecuteNonQueryAsync();
        return connectionString;
    }

    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=stm;Database=postgres;Pooling=false";

    public async Task InitializeAsync()
    {
        _bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Order().LastOrDefault() ?? ""
            : "";
        if (_bin.Length == 0)
        {
            throw new InvalidOperationException("PostgreSQL is not installed: apt-get install -y postgresql (see .ci/run)");
        }
        Directory.CreateDirectory(_folder);
        Port = FreePort();
        await RunAsync("chown", $"postgres {_folder}", asPostgres: false, allowNotRoot: true);
        await RunAsync(Path.Combine(_bin, "initdb"), $"-D {_folder}/data -A trust -U stm --no-sync -E UTF8 --locale=C.UTF-8");
        await RunAsync(Path.Combine(_bin, "pg_ctl"),
            $"-D {_folder}/data -l {_folder}/log -w -t 60 -o \"-p {Port} -k {_folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" start");
    }

    public async Task DisposeAsync()
    {
        Npgsql.NpgsqlConnection.ClearAllPools();
        try
        {
            await RunAsync(Path.Combine(_bin, "pg_ctl"), $"-D {_folder}/data -m immediate -w stop");
        }
        finally
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static async Task RunAsync(string file, string arguments, bool asPostgres = true, bool allowNotRoot = false)
    {
        if (!IsRoot && allowNotRoot)
        {
            return;
        }
        var start = asPostgres && IsRoot
            ? new ProcessStartInfo("runuser", $"-u postgres -- {file} {arguments}")
            : new ProcessStartInfo(file, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }
}

/// <summary>One PostgreSQL server for every test class that needs it.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
