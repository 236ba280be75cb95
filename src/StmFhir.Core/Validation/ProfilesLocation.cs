namespace StmFhir.Core.Validation;

/// <summary>Finds the StmFhir profiles folder when configuration does not name one (the CLI and the gateway share this).</summary>
public static class ProfilesLocation
{
    /// <summary>
    /// The repository's <c>profiles</c> when run inside a checkout (walking up from the current folder, then from the
    /// executable's, to the folder holding StmFhir.sln: the files a developer edits win over the build's copy), else the
    /// copy beside the executable; null when there is none.
    /// </summary>
    public static string? Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "StmFhir.sln")) && Directory.Exists(Path.Combine(dir.FullName, "profiles")))
                {
                    return Path.Combine(dir.FullName, "profiles");
                }
            }
        }
        var installed = Path.Combine(AppContext.BaseDirectory, "profiles");
        return Directory.Exists(installed) ? installed : null;
    }
}
