using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StmFhir.Exchange.Client;
using StmFhir.Exchange.Storage;
using StmFhir.Exchange.Sync;

namespace StmFhir.Cli.Commands;

/// <summary>
/// <c>stmfhir pull --server NAME [--config FILE] [--data DIR] [--since INSTANT] [--count N]</c>: pulls the STM sessions
/// changed at a configured target since its stored watermark into the gateway's store (Sync/PULL.md). Targets and storage
/// come from the gateway's configuration: <c>--config</c> (e.g. its appsettings.json) and environment variables
/// (<c>Exchange__Targets__0__Name</c>, <c>STMFHIR_TARGET_URL</c> for a target named <c>default</c>, <c>Storage__...</c>).
/// Exit code 0 when every STM Procedure was stored, 1 when some could not be, 2 for usage errors or a pull that stopped
/// early (the target failed).
/// </summary>
internal static class PullCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "The configured target to pull from, by name.", Required = true };
        var config = new Option<FileInfo?>("--config")
        {
            Description = "A JSON configuration file with the Exchange (and Storage) sections, e.g. the gateway's appsettings.json; environment variables are read too.",
        };
        var data = new Option<string?>("--data")
        {
            Description = "The gateway's data folder (holding stmfhir.db); default STMFHIR_DATA_DIR, else Storage:DataDirectory, else 'data'.",
        };
        var since = new Option<DateTimeOffset?>("--since")
        {
            Description = "Pull what changed from this instant on (e.g. 2026-01-01 or 2026-01-01T08:00:00Z) instead of from the stored watermark, which never moves back.",
            CustomParser = result => DateTimeOffset.TryParse(result.Tokens.Single().Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? at
                : SinceError(result),
        };
        var count = new Option<int?>("--count") { Description = "Resources per search page (1-1000); default the target's Pull:PageSize (100)." };
        count.Validators.Add(result =>
        {
            if (result.GetValue(count) is { } n && n is < 1 or > 1000)
            {
                result.AddError("--count must be between 1 and 1000");
            }
        });
        var command = new Command("pull", "Pull the STM sessions changed at a configured FHIR server into the gateway's store.") { server, config, data, since, count };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetRequiredValue(server), parseResult.GetValue(config), parseResult.GetValue(data),
            new PullRequest(parseResult.GetRequiredValue(server)) { Since = parseResult.GetValue(since), PageSize = parseResult.GetValue(count) },
            parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error, cancellationToken));
        return command;
    }

    private static DateTimeOffset? SinceError(System.CommandLine.Parsing.ArgumentResult result)
    {
        result.AddError($"--since '{result.Tokens.Single().Value}' is not a date or date-time");
        return null;
    }

    private static async Task<int> RunAsync(string name, FileInfo? config, string? data, PullRequest request, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (config is { Exists: false })
        {
            await error.WriteLineAsync($"pull: no configuration file at {config.FullName}");
            return ExitCodes.UsageOrIo;
        }
        var builder = new ConfigurationBuilder();
        if (config is not null)
        {
            builder.AddJsonFile(config.FullName, optional: false);
        }
        var configuration = builder.AddEnvironmentVariables().Build();

        var exchange = ExchangeOptions.From(configuration);
        if (!exchange.Targets.Any(t => t.Name == name))
        {
            var known = exchange.Targets.Count == 0 ? "none (configure Exchange:Targets with --config or environment variables, or set STMFHIR_TARGET_URL)" : string.Join(", ", exchange.Targets.Select(t => t.Name));
            await error.WriteLineAsync($"pull: no target named '{name}'; configured targets: {known}");
            return ExitCodes.UsageOrIo;
        }
        var storage = new StorageOptions();
        configuration.GetSection(StorageOptions.Section).Bind(storage);
        storage.DataDirectory = data ?? (Environment.GetEnvironmentVariable("STMFHIR_DATA_DIR") is { Length: > 0 } dir ? dir : storage.DataDirectory);
        if (storage.Problems().FirstOrDefault() is { } problem)
        {
            await error.WriteLineAsync($"pull: {problem}");
            return ExitCodes.UsageOrIo;
        }

        var store = ResourceStores.Create(storage, TimeProvider.System);
        try
        {
            await using var services = new ServiceCollection().AddLogging().AddSingleton(store).AddFhirExchange(exchange).AddFhirPull().BuildServiceProvider();
            await store.InitializeAsync(cancellationToken);
            var result = await services.GetRequiredService<IFhirPuller>().PullAsync(request, cancellationToken);
            await WriteAsync(result, output, error);
            return result.Error is not null ? ExitCodes.UsageOrIo : result.Counts.Failed > 0 ? ExitCodes.Invalid : ExitCodes.Success;
        }
        catch (OptionsValidationException e)
        {
            foreach (var failure in e.Failures)
            {
                await error.WriteLineAsync($"pull: {failure}");
            }
            return ExitCodes.UsageOrIo;
        }
        finally
        {
            await ((IAsyncDisposable)store).DisposeAsync();
        }
    }

    private static async Task WriteAsync(PullResult result, TextWriter output, TextWriter error)
    {
        var c = result.Counts;
        await output.WriteLineAsync($"Pulled from {result.Target} {(result.Since is null ? "everything" : "since " + result.Since)}: {c.Pages} page(s)");
        await output.WriteLineAsync($"  fetched     {c.Fetched}");
        await output.WriteLineAsync($"  stored new  {c.Created}");
        await output.WriteLineAsync($"  updated     {c.Updated}");
        await output.WriteLineAsync($"  unchanged   {c.Unchanged}");
        await output.WriteLineAsync($"  skipped     {c.Skipped} (not STM sessions)");
        await output.WriteLineAsync($"  failed      {c.Failed}");
        await output.WriteLineAsync($"Watermark: {result.Watermark ?? "none"}");
        foreach (var failure in result.Failures)
        {
            await output.WriteLineAsync($"failed Procedure/{failure.ProcedureId}: {failure.Reason}");
        }
        if (result.Error is not null)
        {
            await error.WriteLineAsync($"pull: stopped early: {result.Error}; the watermark stays at the last stored page, the next pull goes on from there");
        }
    }
}
