using System.Diagnostics;
using System.Runtime.InteropServices;

namespace StmFhir.Cli.Tests.Commands;

/// <summary>
/// The CLI as a .NET tool, the way a user gets it: <c>dotnet pack</c> of src/StmFhir.Cli (for this machine's platform
/// only and without ReadyToRun, to keep the test short and light; the project packs four, precompiled), <c>dotnet tool install</c> from that folder, then the
/// installed <c>stmfhir</c> validates samples with the profiles that travel in the package. Everything is built
/// under a temporary artifacts folder, so the checkout's own build outputs are not touched.
/// </summary>
public sealed class ToolPackageTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task ThePackedTool_Installs_AndValidatesWithTheStmProfiles()
    {
        var rid = RuntimeInformation.RuntimeIdentifier;
        var packages = Path.Combine(_folder.Path, "packages");
        var tools = Path.Combine(_folder.Path, "tools");
        await RunAsync("dotnet", "pack", Path.Combine(CliRunner.RepoRoot, "src", "StmFhir.Cli"), "-c", "Release", "-o", packages,
            "--artifacts-path", Path.Combine(_folder.Path, "artifacts"), $"-p:RuntimeIdentifiers={rid}",
            // Precompiling Firely's assemblies is minutes of both cores, beside the other test projects' timing tests;
            // the package's layout and install are the same without it (its start-up is measured, not tested).
            "-p:PublishReadyToRun=false", "-v", "q");
        await RunAsync("dotnet", "tool", "install", "stmfhir", "--tool-path", tools, "--add-source", packages);
        var stmfhir = Path.Combine(tools, OperatingSystem.IsWindows() ? "stmfhir.exe" : "stmfhir");

        var valid = await RunAsync(stmfhir, "validate", CliRunner.Samples("bundles", "03-achilles-tendinitis-manual.json"));
        var invalid = await RunAsync(stmfhir, "validate", CliRunner.Samples("invalid", "bundle-fullurl-repeated.json"));

        Assert.Equal(0, valid.ExitCode);
        Assert.Contains("valid (0 errors", valid.Output);
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.Contains("STM-BDL-004", invalid.Output);
    }

    /// <summary>Runs a process to its end; a failing set-up step (pack, install) fails the test with its output.</summary>
    private async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _folder.Path };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        var text = await output + await error;
        if (file == "dotnet")
        {
            Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} failed ({process.ExitCode}):\n{text}");
        }
        return (process.ExitCode, text);
    }
}
