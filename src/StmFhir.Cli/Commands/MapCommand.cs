using System.CommandLine;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;

namespace StmFhir.Cli.Commands;

/// <summary><c>stmfhir map &lt;session.json&gt;... [--out DIR]</c>: STM session records to FHIR transaction Bundles.</summary>
internal static class MapCommand
{
    public static Command Create()
    {
        var sessions = new Argument<FileInfo[]>("session")
        {
            Description = "STM session record files (JSON).",
            Arity = ArgumentArity.OneOrMore,
        };
        var outDir = new Option<DirectoryInfo?>("--out")
        {
            Description = "Folder to write one Bundle per session into (same file name). Without it, a single session's Bundle goes to stdout.",
        };
        var command = new Command("map", "Map STM session records to FHIR R4 transaction Bundles.") { sessions, outDir };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetRequiredValue(sessions),
            parseResult.GetValue(outDir),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo[] files, DirectoryInfo? outDir, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (outDir is null && files.Length > 1)
        {
            await error.WriteLineAsync("map: several sessions need --out DIR (stdout takes one Bundle).");
            return ExitCodes.UsageOrIo;
        }
        var exitCode = ExitCodes.Success;
        foreach (var file in files)
        {
            byte[] json;
            try
            {
                json = await File.ReadAllBytesAsync(file.FullName, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"{file}: cannot read: {e.Message}");
                exitCode = ExitCodes.UsageOrIo;
                continue;
            }
            var read = StmSessionReader.Read(json);
            if (!read.IsValid)
            {
                foreach (var problem in read.Problems)
                {
                    await error.WriteLineAsync($"{file}: {problem}");
                }
                exitCode = Math.Max(exitCode, ExitCodes.Invalid);
                continue;
            }
            var bundleJson = FhirJson.Serialize(StmBundleMapper.ToBundle(read.Session!)) + "\n";
            if (outDir is null)
            {
                await output.WriteAsync(bundleJson);
                continue;
            }
            try
            {
                outDir.Create();
                await File.WriteAllTextAsync(Path.Combine(outDir.FullName, file.Name), bundleJson, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"{file}: cannot write to {outDir}: {e.Message}");
                exitCode = ExitCodes.UsageOrIo;
            }
        }
        return exitCode;
    }
}
