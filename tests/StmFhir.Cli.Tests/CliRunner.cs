namespace StmFhir.Cli.Tests;

/// <summary>Runs the real <c>stmfhir</c> command line in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await StmFhirCommand.RunAsync(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    public static string RepoRoot => StmFhir.Tests.Shared.RepoRoot.Path;

    public static string Samples(params string[] parts) => Path.Combine([RepoRoot, "samples", .. parts]);
}

/// <summary>A temporary folder removed after the test.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("stmfhir-test-").FullName;

    public string File(string name, string content)
    {
        var path = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
