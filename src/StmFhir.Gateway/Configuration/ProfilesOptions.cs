namespace StmFhir.Gateway.Configuration;

/// <summary>Where the StmFhir profiles, ValueSets and CodeSystems are read from (configuration section <c>Profiles</c>).</summary>
internal sealed class ProfilesOptions
{
    public const string Section = "Profiles";

    /// <summary>
    /// The profiles folder. The default (null) looks for a <c>profiles</c> folder beside the executable, then in the
    /// working directory and its parents (the repository when run with <c>dotnet run</c>).
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>The folder to use: <see cref="Directory"/>, or the first <c>profiles</c> folder found; null when none exists.</summary>
    public string? Resolve()
    {
        if (Directory is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }
        var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, "profiles") };
        for (var dir = new DirectoryInfo(System.IO.Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            candidates.Add(Path.Combine(dir.FullName, "profiles"));
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            candidates.Add(Path.Combine(dir.FullName, "profiles"));
        }
        return candidates.FirstOrDefault(System.IO.Directory.Exists);
    }

    public IEnumerable<string> Problems()
    {
        if (Directory is { Length: > 0 } configured && !System.IO.Directory.Exists(configured))
        {
            yield return $"Profiles:Directory '{configured}' does not exist";
        }
    }
}
