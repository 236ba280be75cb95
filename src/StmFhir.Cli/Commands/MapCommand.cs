using System.CommandLine;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;

namespace StmFhir.Cli.Commands;

/// <summary><c>stmfhir map &lt;session.json&gt;... [--out DIR] [--validate [--profiles DIR]]</c>: STM session records to FHIR transaction Bundles.</summary>
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
        var validate = new Option<bool>("--validate")
        {
            Description = "Also validate each Bundle as POST /stm/sessions does (every layer, clinical rules included) and print each issue "
                + "with its STM field path to stderr; a session with an error gets no Bundle and exit code 1.",
        };
        var profiles = new Option<DirectoryInfo?>("--profiles")
        {
            Description = "With --validate: the profiles folder. Default: as for validate.",
        };
        var command = new Command("map", "Map STM session records to FHIR R4 transaction Bundles.") { sessions, outDir, validate, profiles };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetRequiredValue(sessions),
            parseResult.GetValue(outDir),
            parseResult.GetValue(validate),
            parseResult.GetValue(profiles),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo[] files, DirectoryInfo? outDir, bool validate, DirectoryInfo? profiles, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        if (outDir is null && files.Length > 1)
        {
            await error.WriteLineAsync("map: several sessions need --out DIR (stdout takes one Bundle).");
            return ExitCodes.UsageOrIo;
        }
        if (profiles is not null && !validate)
        {
            await error.WriteLineAsync("map: --profiles needs --validate.");
            return ExitCodes.UsageOrIo;
        }
        var validation = validate ? await MapValidation.CreateAsync(profiles, error) : null;
        if (validate && validation is null)
        {
            return ExitCodes.UsageOrIo;
        }
        var exitCode = ExitCodes.Success;
        foreach (var file in files)
        {
            exitCode = Math.Max(exitCode, await MapFileAsync(file, outDir, validation, output, error, cancellationToken));
        }
        return exitCode;
    }

    /// <summary>One session file: read, map, validate when asked, then print or write its Bundle; its exit code.</summary>
    private static async Task<int> MapFileAsync(FileInfo file, DirectoryInfo? outDir, MapValidation? validation, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        byte[] json;
        try
        {
            json = await File.ReadAllBytesAsync(file.FullName, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{file}: cannot read: {e.Message}");
            return ExitCodes.UsageOrIo;
        }
        var read = StmSessionReader.Read(json);
        if (!read.IsValid)
        {
            foreach (var problem in read.Problems)
            {
                await error.WriteLineAsync($"{file}: {problem}");
            }
            return ExitCodes.Invalid;
        }
        var bundle = StmBundleMapper.ToBundle(read.Session!);
        if (validation is not null && !await validation.CheckAsync(file.ToString(), read.Session!, bundle, error))
        {
            return ExitCodes.Invalid;
        }
        var bundleJson = FhirJson.Serialize(bundle) + "\n";
        if (outDir is null)
        {
            await output.WriteAsync(bundleJson);
            return ExitCodes.Success;
        }
        try
        {
            outDir.Create();
            await File.WriteAllTextAsync(Path.Combine(outDir.FullName, file.Name), bundleJson, cancellationToken);
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{file}: cannot write to {outDir}: {e.Message}");
            return ExitCodes.UsageOrIo;
        }
    }
}
