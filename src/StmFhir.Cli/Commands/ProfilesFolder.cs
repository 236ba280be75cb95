namespace StmFhir.Cli.Commands;

/// <summary>Finds the StmFhir profiles folder when the command line does not name one.</summary>
internal static class ProfilesFolder
{
    /// <summary>
    /// The repository's profiles/ when run inside a checkout (walking up from the current folder to the one holding
    /// StmFhir.sln: the files a developer edits win over the build's copy), else the copy next to the executable.
    /// </summary>
    public static string? Default()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StmFhir.sln")) && Directory.Exists(Path.Combine(dir.FullName, "profiles")))
            {
                return Path.Combine(dir.FullName, "profiles");
            }
        }
        var installed = Path.Combine(AppContext.BaseDirectory, "profiles");
        return Directory.Exists(installed) ? installed : null;
    }
}
