namespace StmFhir.Core.Tests;

/// <summary>Locates the repository's folders from the test output folder.</summary>
internal static class RepoPaths
{
    public static string Root => StmFhir.Tests.Shared.RepoRoot.Path;

    public static string Samples(params string[] parts) => Path.Combine([Root, "samples", .. parts]);
}
