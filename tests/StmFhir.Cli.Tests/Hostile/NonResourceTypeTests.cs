using System.Diagnostics;
using System.Text.Json.Nodes;
using StmFhir.Tests.Shared.Fuzz;

namespace StmFhir.Cli.Tests.Hostile;

/// <summary>
/// <c>stmfhir validate</c> on a datatype or abstract type name where a resource type belongs: an error naming it and an
/// exit code, never a dead process. Run as a child process (the built stmfhir.dll beside these tests), because a stack
/// overflow cannot be caught and would end the test host instead of failing one test.
/// </summary>
public sealed class NonResourceTypeTests
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ElementFile_IsAnErrorOfThatFileAndTheCommandEnds()
    {
        using var folder = new TempFolder();
        var file = folder.File("element.json", """{"resourceType":"Element"}""");

        var (exitCode, output, error) = await RunStmFhirAsync("validate", file);

        Assert.True(exitCode == 1, $"exit code {exitCode}\n{output}\n{Tail(error)}");
        Assert.Contains("element.json: INVALID", output, StringComparison.Ordinal);
        Assert.Contains("Element", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output + error, StringComparison.Ordinal);
    }

    /// <summary>Every datatype and abstract type of the Firely model, as a JSON resourceType and as an XML root, in one run.</summary>
    [Fact]
    public async Task EveryDatatypeAndAbstractTypeName_IsAnErrorNamingItInJsonAndXml()
    {
        using var folder = new TempFolder();
        foreach (var name in TypeNames.DatatypeAndAbstract)
        {
            folder.File($"{name}.json", new JsonObject { ["resourceType"] = name, ["id"] = "x" }.ToJsonString());
            folder.File($"{name}.xml", $"<{name} xmlns=\"http://hl7.org/fhir\"><id value=\"x\"/></{name}>");
        }

        var (exitCode, output, error) = await RunStmFhirAsync("validate", "--format", "json", folder.Path);

        Assert.True(exitCode == 1, $"exit code {exitCode}\n{Tail(output)}\n{Tail(error)}");
        var outcomes = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.True(TypeNames.DatatypeAndAbstract.Count * 2 == outcomes.Count,
            $"{outcomes.Count} outcomes for {TypeNames.DatatypeAndAbstract.Count * 2} files (exit code {exitCode})\n{Tail(error)}");
        foreach (var outcome in outcomes)
        {
            var name = Path.GetFileNameWithoutExtension(outcome["meta"]!["source"]!.GetValue<string>());
            Assert.True(outcome["issue"]!.AsArray().Any(i => i!["severity"]!.GetValue<string>() is "error" or "fatal"
                && i.ToJsonString() is var text && (text.Contains(name, StringComparison.Ordinal) || text.Contains("resourceType", StringComparison.Ordinal))),
                $"{name}: no error names it: {outcome.ToJsonString()}");
        }
    }

    /// <summary>The real command line as its own process; killed (and reported) if it runs past <see cref="s_patience"/>.</summary>
    private static async Task<(int ExitCode, string Output, string Error)> RunStmFhirAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = CliRunner.RepoRoot,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "stmfhir.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var patience = new CancellationTokenSource(s_patience);
        try
        {
            await process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return (-1, await output, $"killed after {s_patience.TotalSeconds} s without an answer\n" + await error);
        }
        return (process.ExitCode, await output, await error);
    }

    private static string Tail(string text) => text.Length <= 3000 ? text : "..." + text[^3000..];
}
