namespace StmFhir.Exchange.Store;

/// <summary>Where and how resources are stored (configuration section <c>Storage</c>).</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "Storage";

    /// <summary><c>sqlite</c> (one file, zero set-up) or <c>postgresql</c> (several instances). The default is <c>sqlite</c>.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>
    /// The folder of the SQLite file, created when missing; relative paths are relative to the working directory.
    /// <c>STMFHIR_DATA_DIR</c> overrides it. The default is <c>data</c>.
    /// </summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>The SQLite file name inside <see cref="DataDirectory"/>. The default is <c>stmfhir.db</c>.</summary>
    public string SqliteFileName { get; set; } = "stmfhir.db";

    /// <summary>
    /// True to sync every SQLite commit to disk (<c>synchronous=FULL</c>), so an acknowledged write survives power loss;
    /// false survives only a process crash but commits faster. The default is true.
    /// </summary>
    public bool SqliteDurableCommits { get; set; } = true;

    /// <summary>The Npgsql connection string, required when <see cref="Provider"/> is <c>postgresql</c>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// True to store a second Patient or Practitioner with a business identifier (system and value) another one already
    /// has. Intake matches people by identifier, so such duplicates make every later session of that person choose among
    /// them (it takes the oldest; <c>/exchange/status</c> lists them). The default is false: such a write is refused with
    /// 409, naming the existing resource.
    /// </summary>
    public bool AllowDuplicatePersonIdentifiers { get; set; }

    /// <summary>The full path of the SQLite file.</summary>
    public string SqlitePath => Path.GetFullPath(Path.Combine(DataDirectory, SqliteFileName));

    /// <summary>Every problem with these options; empty when they are usable.</summary>
    public IEnumerable<string> Problems()
    {
        switch (Provider)
        {
            case "sqlite":
                if (string.IsNullOrWhiteSpace(DataDirectory))
                {
                    yield return "Storage:DataDirectory must name a folder";
                }
                if (string.IsNullOrWhiteSpace(SqliteFileName) || SqliteFileName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
                {
                    yield return "Storage:SqliteFileName must be a plain file name";
                }
                break;
            case "postgresql":
                if (string.IsNullOrWhiteSpace(ConnectionString))
                {
                    yield return "Storage:ConnectionString is required when Storage:Provider is postgresql";
                }
                break;
            default:
                yield return "Storage:Provider must be sqlite or postgresql";
                break;
        }
    }
}
