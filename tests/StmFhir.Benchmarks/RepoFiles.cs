namespace StmFhir.Benchmarks;

/// <summary>Finds the repository's sample files from wherever BenchmarkDotNet runs the benchmark process.</summary>
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string Samples(params string[] parts) => Path.Combine([Root, "samples", .. parts]);

    private static string FindRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "StmFhir.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException("StmFhir.sln not found; run the benchmarks from inside the repository.");
    }
}
