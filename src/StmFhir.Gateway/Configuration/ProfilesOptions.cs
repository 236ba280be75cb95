namespace StmFhir.Gateway.Configuration;

/// <summary>Where the StmFhir profiles, ValueSets and CodeSystems are read from (configuration section <c>Profiles</c>).</summary>
internal sealed class ProfilesOptions
{
    public const string Section = "Profiles";

    /// <summary>
    /// The profiles folder. The default (null) is the repository's <c>profiles</c> when run inside a checkout (the
    /// files a developer edits win over the build's copy, as for the CLI), else the copy beside the executable.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary>The folder to use: <see cref="Directory"/>, or the first <c>profiles</c> folder found; null when none exists.</summary>
    public string? Resolve()
    {
        if (Directory is { Length: > 0 } configured)
        {
            return Path.GetFullPath(configured);
        }
        return StmFhir.Core.Validation.ProfilesLocation.Find();
    }

    public IEnumerable<string> Problems()
    {
        if (Directory is { Length: > 0 } configured && !System.IO.Directory.Exists(configured))
        {
            yield return $"Profiles:Directory '{configured}' does not exist";
        }
    }
}
