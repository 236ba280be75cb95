using System.CommandLine;
using System.Text.Json;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Hl7.Fhir.Serialization;
using StmFhir.Core.Validation;

namespace StmFhir.Cli.Commands;

/// <summary>
/// <c>stmfhir validate &lt;file|dir|glob&gt;... [--format text|json] [--profile URL] [--profiles DIR]</c>: validates FHIR
/// resources and Bundles (JSON or XML) against core R4, the StmFhir profiles, terminology and the clinical rules.
/// Exit code 0: no errors; 1: errors found (a malformed file is an error of that file); 2: usage error or unreadable input.
/// </summary>
internal static class ValidateCommand
{
    private static readonly JsonSerializerOptions s_pretty = Core.Mapping.FhirJson.Pretty;
    private static readonly JsonSerializerOptions s_compact = Core.Mapping.FhirJson.Compact;

    public static Command Create()
    {
        var paths = new Argument<string[]>("path")
        {
            Description = "FHIR resources or Bundles (.json, .xml): files, folders (read recursively) or glob patterns.",
            Arity = ArgumentArity.OneOrMore,
        };
        var format = new Option<string>("--format")
        {
            Description = "text: a readable list of issues per file and a summary; json: a FHIR OperationOutcome per file (one file: indented; several: one per line, meta.source = the file).",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong("text", "json");
        var profile = new Option<string?>("--profile") { Description = "Also validate every file against this profile (canonical URL).", HelpName = "URL" };
        var profiles = new Option<DirectoryInfo?>("--profiles")
        {
            HelpName = "DIR",
            Description = "The profiles folder. Default: profiles/ of the StmFhir checkout around the current folder, else the one installed next to stmfhir.",
        };
        var command = new Command("validate", "Validate FHIR resources and Bundles against R4, the StmFhir profiles, terminology (offline) and the STM clinical rules.")
        {
            paths, format, profile, profiles,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetRequiredValue(paths),
            parseResult.GetValue(format) == "json",
            parseResult.GetValue(profile),
            parseResult.GetValue(profiles),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    // Long method: the command's steps in the order a user sees their effects (profiles, files, engine, output, exit code).
    private static async Task<int> RunAsync(string[] paths, bool json, string? profile, DirectoryInfo? profilesOption, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var profilesDirectory = profilesOption?.FullName ?? StmFhir.Core.Validation.ProfilesLocation.Find();
        if (profilesOption is { Exists: false })
        {
            await error.WriteLineAsync($"validate: profiles folder {profilesOption} does not exist.");
            return ExitCodes.UsageOrIo;
        }
        var (files, missing) = InputFiles.Expand(paths);
        foreach (var path in missing)
        {
            await error.WriteLineAsync($"{path}: no such file, folder or matching file.");
        }
        if (files.Count == 0)
        {
            return ExitCodes.UsageOrIo;
        }
        if (profilesDirectory is null)
        {
            await error.WriteLineAsync("validate: no profiles folder found (use --profiles DIR); validating against core R4 only.");
        }

        var engine = StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = profilesDirectory, CacheProgress = error.WriteLine });
        foreach (var issue in engine.ProfileIssues)
        {
            await error.WriteLineAsync($"profiles: {issue.Severity.ToString().ToLowerInvariant()} {issue.Expression}: {issue.Message}");
        }

        var results = new FileResult[files.Count];
        if (files.Count == 1)
        {
            results[0] = ValidateFile(engine, files[0], profile);
        }
        else
        {
            // The engine is thread-safe and keeps one Firely validator per thread: use every core, and no more. Firely
            // blocks its threads (sync over async) and the cold engine compiles schemas under a lock, so an unbounded
            // Parallel.For keeps adding blocked pool threads (measured: 38 files took 16 s instead of 2 s).
            var parallel = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
            Parallel.For(0, files.Count, parallel, i => results[i] = ValidateFile(engine, files[i], profile));
        }

        foreach (var result in results)
        {
            if (json)
            {
                await WriteJson(result, single: results.Length == 1, output);
            }
            else
            {
                await WriteText(result, output);
            }
        }
        var summary = Summary(results, missing.Count);
        await (json ? error : output).WriteLineAsync(summary);

        if (missing.Count > 0 || results.Any(r => r.Unreadable))
        {
            return ExitCodes.UsageOrIo;
        }
        return results.Any(r => r.Issues.Any(i => i.IsError)) ? ExitCodes.Invalid : ExitCodes.Success;
    }

    private static FileResult ValidateFile(StmValidator engine, string file, string? profile)
    {
        byte[] content;
        try
        {
            content = File.ReadAllBytes(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FileResult(file, [new ValidationIssue(OperationOutcome.IssueSeverity.Fatal, IssueCodes.UnreadableInput, null, $"cannot read the file: {e.Message}",
                OperationOutcome.IssueType.Exception)], Unreadable: true);
        }
        try
        {
            var parsed = FhirInput.Parse(content);
            if (parsed.Resource is null)
            {
                return new FileResult(file, parsed.Issues, Unreadable: false);
            }
            var report = engine.Validate(parsed.Resource, profile);
            return new FileResult(file, new ValidationReport([.. parsed.Issues, .. report.Issues]).Issues, Unreadable: false);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            // The reader and the engine turn what they meet into issues; should one still throw, this file says so
            // and the others are still validated and printed.
            return new FileResult(file, [new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.NotCheckable, null,
                $"the file could not be validated: the validator stopped on it ({e.GetType().Name}).", OperationOutcome.IssueType.Exception)], Unreadable: false);
        }
    }

    private static async Task WriteText(FileResult result, TextWriter output)
    {
        var errors = result.Issues.Count(i => i.IsError);
        var warnings = result.Issues.Count(i => i.Severity == OperationOutcome.IssueSeverity.Warning);
        await output.WriteLineAsync($"{result.File}: {(errors == 0 ? "valid" : "INVALID")} ({Count(errors, "error")}, {Count(warnings, "warning")})");
        foreach (var issue in result.Issues)
        {
            await output.WriteLineAsync($"  {issue.Severity.ToString().ToLowerInvariant(),-11} {issue.Expression ?? "(file)"}  [{issue.Code}] {issue.Message}");
        }
    }

    private static async Task WriteJson(FileResult result, bool single, TextWriter output)
    {
        var outcome = new ValidationReport(result.Issues).ToOperationOutcome();
        outcome.Meta = new Meta { Source = result.File };
        await output.WriteLineAsync(JsonSerializer.Serialize(outcome, single ? s_pretty : s_compact));
    }

    private static string Summary(FileResult[] results, int missing)
    {
        var invalid = results.Count(r => r.Issues.Any(i => i.IsError));
        var errors = results.Sum(r => r.Issues.Count(i => i.IsError));
        var warnings = results.Sum(r => r.Issues.Count(i => i.Severity == OperationOutcome.IssueSeverity.Warning));
        var text = $"{Count(results.Length, "file")} validated: {results.Length - invalid} valid, {invalid} invalid; {Count(errors, "error")}, {Count(warnings, "warning")}.";
        return missing > 0 ? text + $" {Count(missing, "path")} not found." : text;
    }

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";

    private sealed record FileResult(string File, IReadOnlyList<ValidationIssue> Issues, bool Unreadable);
}
