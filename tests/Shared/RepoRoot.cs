namespace StmFhir.Tests.Shared;

/// <summary>The repository's root (the folder holding StmFhir.sln), found from where the tests or benchmarks run.</summary>
internal static class RepoRoot
{
    private static readonly Lazy<string> s_path = new(Find);

    public static string Path => s_path.Value;

    /// <summary>A path below the root, e.g. <c>RepoRoot.Combine("samples", "sessions")</c>.</summary>
    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "StmFhir.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException("StmFhir.sln not found above " + AppContext.BaseDirectory);
    }
}
