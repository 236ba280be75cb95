using System.CommandLine;
using StmFhir.Cli.Commands;

namespace StmFhir.Cli;

/// <summary>The <c>stmfhir</c> root command: one sub-command per file in Commands/.</summary>
internal static class StmFhirCommand
{
    public static RootCommand Create()
    {
        var root = new RootCommand("StmFhir: map, validate and exchange soft tissue mobilization (STM) therapy data as FHIR R4.");
        root.Add(MapCommand.Create());
        root.Add(ValidateCommand.Create());
        root.Add(PackageCommand.Create());
        root.Add(PushCommand.Create());
        root.Add(OutboxCommand.Create());
        root.Add(PullCommand.Create());
        root.Add(OutcomesCommand.Create());
        return root;
    }

    /// <summary>Parses and runs a command line; usage errors exit with 2 (System.CommandLine's default would be 1).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var parseResult = Create().Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var parseError in parseResult.Errors)
            {
                await error.WriteLineAsync(parseError.Message);
            }
            await error.WriteLineAsync("Run 'stmfhir --help' for usage.");
            return ExitCodes.UsageOrIo;
        }
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        return await parseResult.InvokeAsync(configuration, cancellationToken);
    }
}
