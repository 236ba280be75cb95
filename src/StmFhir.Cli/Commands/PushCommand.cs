using System.CommandLine;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Exchange;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Targets;

namespace StmFhir.Cli.Commands;

/// <summary>
/// <c>stmfhir push &lt;file&gt;... --server URL [--token T] [--retries N]</c>: delivers STM session files (mapped first)
/// and FHIR transaction Bundle files to a FHIR server, with a progress bar on stderr and a result table on stdout.
/// Exit code 0 only if every file arrived; 1 if a file was invalid or the server rejected it; 2 for usage errors,
/// unreadable files, or a server that could not be reached (after retries).
/// </summary>
internal static class PushCommand
{
    private const string TargetName = "server";

    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("file")
        {
            Description = "STM session records or FHIR transaction Bundles (JSON); each is delivered on its own.",
            Arity = ArgumentArity.OneOrMore,
        };
        var server = new Option<Uri>("--server")
        {
            Description = "The FHIR R4 base URL, e.g. https://ehr.example.org/fhir/R4.",
            Required = true,
            CustomParser = result => Uri.TryCreate(result.Tokens.Single().Value, UriKind.Absolute, out var uri) ? uri : ParseError(result),
        };
        var token = new Option<string?>("--token") { Description = "A bearer token to send with every request." };
        var retries = new Option<int>("--retries")
        {
            Description = "Retries per request for 408, 429, 5xx and connection failures (honouring Retry-After).",
            DefaultValueFactory = _ => 6,
        };
        var command = new Command("push", "Deliver STM sessions or FHIR transaction Bundles to a FHIR server, exactly once in effect.")
        {
            files, server, token, retries,
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetRequiredValue(files),
            new FhirTargetOptions
            {
                Name = TargetName,
                BaseUrl = parseResult.GetRequiredValue(server),
                Auth = parseResult.GetValue(token) is { } bearer
                    ? new FhirTargetAuthOptions { Kind = FhirTargetAuthKind.Bearer, Token = bearer }
                    : new FhirTargetAuthOptions(),
                Resilience = new FhirTargetResilienceOptions { MaxRetryAttempts = parseResult.GetValue(retries) },
            },
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static Uri ParseError(System.CommandLine.Parsing.ArgumentResult result)
    {
        result.AddError($"--server '{result.Tokens.Single().Value}' is not an absolute URL");
        return null!;
    }

    private static async Task<int> RunAsync(FileInfo[] files, FhirTargetOptions target, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ServiceProvider services;
        try
        {
            services = new ServiceCollection().AddFhirExchange(new ExchangeOptions { Targets = [target] }).BuildServiceProvider();
        }
        catch (OptionsValidationException e)
        {
            foreach (var failure in e.Failures)
            {
                await error.WriteLineAsync($"push: {failure.Replace($"target '{TargetName}' (Exchange:Targets:0): ", "", StringComparison.Ordinal)}");
            }
            return ExitCodes.UsageOrIo;
        }
        await using (services)
        {
            var deliverer = services.GetRequiredService<IFhirDeliverer>();
            var rows = new List<FileResult>(files.Length);
            var progressConsole = Console(error);
            var title = $"Pushing {files.Length} file(s) to {target.BaseUrl}";
            if (progressConsole.Profile.Capabilities.Interactive)
            {
                await progressConsole.Progress()
                    .AutoClear(false)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask(Markup.Escape(title), maxValue: files.Length);
                        foreach (var file in files)
                        {
                            rows.Add(await PushFileAsync(file, deliverer, error, cancellationToken));
                            task.Increment(1);
                        }
                    });
            }
            else
            {
                // Redirected stderr (CI logs, files): a redrawn bar would be noise; one line per file says the same.
                await error.WriteLineAsync(title);
                foreach (var file in files)
                {
                    rows.Add(await PushFileAsync(file, deliverer, error, cancellationToken));
                    await error.WriteLineAsync($"[{rows.Count}/{files.Length}] {file.Name}: {rows[^1].Result}");
                }
            }
            var console = Console(output);
            console.Write(ResultTable(rows));
            var arrived = rows.Count(r => r.ExitCode == ExitCodes.Success);
            console.WriteLine($"{arrived} of {rows.Count} file(s) arrived.");
            return rows.Max(r => r.ExitCode);
        }
    }

    private static async Task<FileResult> PushFileAsync(FileInfo file, IFhirDeliverer deliverer, TextWriter error, CancellationToken cancellationToken)
    {
        byte[] json;
        try
        {
            json = await File.ReadAllBytesAsync(file.FullName, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FileResult(file.Name, "?", "unreadable", "", e.Message, ExitCodes.UsageOrIo);
        }
        var (bundle, kind, problems) = Read(json);
        if (bundle is null)
        {
            foreach (var problem in problems)
            {
                await error.WriteLineAsync($"{file}: {problem}");
            }
            return new FileResult(file.Name, kind, "invalid", "", problems.FirstOrDefault() ?? "", ExitCodes.Invalid);
        }
        var result = await deliverer.DeliverAsync(new DeliveryRequest(TargetName, bundle) { SourceId = file.Name }, cancellationToken);
        var counts = $"{Count(result, ResourceChange.Created)} created, {Count(result, ResourceChange.Updated)} updated, {Count(result, ResourceChange.Unchanged)} unchanged";
        return result.Failure switch
        {
            null => new FileResult(file.Name, kind, "arrived", counts, "", ExitCodes.Success),
            { Kind: DeliveryFailureKind.Permanent } f => new FileResult(file.Name, kind, "rejected", counts, f.Message, ExitCodes.Invalid),
            var f => new FileResult(file.Name, kind, "not delivered", counts, f.Message, ExitCodes.UsageOrIo),
        };
    }

    /// <summary>A FHIR Bundle (any JSON with <c>resourceType</c>) or else an STM session, mapped to a transaction Bundle.</summary>
    private static (Bundle? Bundle, string Kind, IReadOnlyList<string> Problems) Read(byte[] json)
    {
        if (IsFhirResource(json))
        {
            try
            {
                var resource = FhirJson.Deserialize<Resource>(System.Text.Encoding.UTF8.GetString(json));
                return resource is Bundle { Type: Bundle.BundleType.Transaction or Bundle.BundleType.Batch } bundle
                    ? (bundle, "bundle", [])
                    : (null, "bundle", [$"is a FHIR {resource.TypeName}, not a transaction or batch Bundle"]);
            }
            catch (Exception e) when (e is DeserializationFailedException or JsonException)
            {
                return (null, "bundle", [$"is not valid FHIR JSON: {e.Message}"]);
            }
        }
        var read = StmSessionReader.Read(json);
        return read.IsValid
            ? (StmBundleMapper.ToBundle(read.Session!), "session", [])
            : (null, "session", [.. read.Problems.Select(p => p.ToString())]);
    }

    private static bool IsFhirResource(byte[] json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("resourceType", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static Table ResultTable(List<FileResult> rows)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("File").AddColumn("Kind").AddColumn("Result").AddColumn("Resources").AddColumn("Detail");
        foreach (var row in rows)
        {
            var colour = row.ExitCode == ExitCodes.Success ? "green" : row.ExitCode == ExitCodes.Invalid ? "red" : "yellow";
            table.AddRow(
                new Text(row.File),
                new Text(row.Kind),
                new Markup($"[{colour}]{Markup.Escape(row.Result)}[/]"),
                new Text(row.Resources),
                new Text(row.Detail));
        }
        return table;
    }

    private static IAnsiConsole Console(TextWriter writer)
    {
        // Colours and a live progress bar only on a terminal; never escape codes into a file or a test's StringWriter.
        var terminal = (ReferenceEquals(writer, System.Console.Out) && !System.Console.IsOutputRedirected)
            || (ReferenceEquals(writer, System.Console.Error) && !System.Console.IsErrorRedirected);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!console.Profile.Capabilities.Interactive)
        {
            // Redirected output (a file, CI logs, tests): wide enough that file names and errors stay on one line.
            console.Profile.Width = 200;
        }
        return console;
    }

    private static int Count(DeliveryResult result, ResourceChange change) => result.Resources.Count(r => r.Change == change);

    private sealed record FileResult(string File, string Kind, string Result, string Resources, string Detail, int ExitCode);
}
