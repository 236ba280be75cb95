namespace StmFhir.Gateway.Tests.Infrastructure;

/// <summary>Locates the repository's folders from the test output folder.</summary>
internal static class RepoPaths
{
    public static string Root => StmFhir.Tests.Shared.RepoRoot.Path;

    public static string Samples(params string[] parts) => Path.Combine([Root, "samples", .. parts]);

    public static IEnumerable<object[]> SampleSessions() =>
        Directory.EnumerateFiles(Samples("sessions"), "*.json").Order(StringComparer.Ordinal).Select(f => new object[] { Path.GetFileName(f) });
}
