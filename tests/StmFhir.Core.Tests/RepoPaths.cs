namespace StmFhir.Core.Tests;

/// <summary>Locates the repository's folders from the test output folder.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Samples(params string[] parts) => Path.Combine([Root, "samples", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "StmFhir.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("StmFhir.sln not found above " + AppContext.BaseDirectory);
    }
}
