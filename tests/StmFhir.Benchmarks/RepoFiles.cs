namespace StmFhir.Benchmarks;

/// <summary>Finds the repository's sample files from wherever BenchmarkDotNet runs the benchmark process.</summary>
internal static class RepoFiles
{
    public static string Root => StmFhir.Tests.Shared.RepoRoot.Path;

    public static string Samples(params string[] parts) => Path.Combine([Root, "samples", .. parts]);
}
