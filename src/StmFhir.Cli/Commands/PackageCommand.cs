using System.CommandLine;
using System.Text.Json.Nodes;
using StmFhir.Core.Validation;

namespace StmFhir.Cli.Commands;

/// <summary>
/// <c>stmfhir package [--out FILE] [--profiles DIR]</c>: writes the profiles as an NPM-style FHIR package (.tgz) with
/// generated snapshots, for servers that load packages (HAPI, Firely Server, Medplum).
/// </summary>
internal static class PackageCommand
{
    public static Command Create()
    {
        var outFile = new Option<FileInfo?>("--out") { HelpName = "FILE", Description = "The .tgz to write. Default: <name>-<version>.tgz from the profiles' package.json, in the current folder." };
        var profiles = new Option<DirectoryInfo?>("--profiles")
        {
            HelpName = "DIR",
            Description = "The profiles folder. Default: profiles/ of the StmFhir checkout around the current folder, else the one installed next to stmfhir.",
        };
        var command = new Command("package", "Write the StmFhir profiles as a FHIR package (.tgz) with snapshots.") { outFile, profiles };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetValue(outFile), parseResult.GetValue(profiles), parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo? outFile, DirectoryInfo? profilesOption, TextWriter output, TextWriter error)
    {
        var profilesDirectory = profilesOption?.FullName ?? StmFhir.Core.Validation.ProfilesLocation.Find();
        if (profilesDirectory is null || !Directory.Exists(profilesDirectory))
        {
            await error.WriteLineAsync($"package: profiles folder {profilesDirectory ?? "(none found)"} does not exist; use --profiles DIR.");
            return ExitCodes.UsageOrIo;
        }
        var target = outFile?.FullName ?? Path.GetFullPath(DefaultName(profilesDirectory));
        IReadOnlyList<ValidationIssue> issues;
        try
        {
            using var stream = File.Create(target);
            issues = FhirPackageWriter.Write(profilesDirectory, stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"package: cannot write {target}: {e.Message}");
            return ExitCodes.UsageOrIo;
        }
        foreach (var issue in issues)
        {
            await error.WriteLineAsync($"profiles: {issue.Severity.ToString().ToLowerInvariant()} {issue.Expression}: {issue.Message}");
        }
        await output.WriteLineAsync($"wrote {target}");
        return issues.Any(i => i.IsError) ? ExitCodes.Invalid : ExitCodes.Success;
    }

    private static string DefaultName(string profilesDirectory)
    {
        var manifest = Path.Combine(profilesDirectory, "package.json");
        if (File.Exists(manifest) && JsonNode.Parse(File.ReadAllText(manifest)) is JsonObject package
            && package["name"]?.GetValue<string>() is { } name && package["version"]?.GetValue<string>() is { } version)
        {
            return $"{name}-{version}.tgz";
        }
        return "stmfhir-profiles.tgz";
    }
}
