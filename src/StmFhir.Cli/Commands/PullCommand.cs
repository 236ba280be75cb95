using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StmFhir.Core.Validation;
using StmFhir.Exchange;
using StmFhir.Exchange.Pull;
using StmFhir.Exchange.Store;
using StmFhir.Exchange.Targets;

namespace StmFhir.Cli.Commands;

/// <summary>
/// <c>stmfhir pull --server NAME [--since INSTANT] [--count N] [storage]</c>: pulls the STM sessions
/// changed at a configured target since its stored watermark into the gateway's store (Exchange/Pull/PULL.md). Targets and storage
/// come from the gateway's configuration, read as the gateway reads it (<see cref="GatewaySettings"/>): <c>--config</c>
/// (e.g. its appsettings.json), environment variables (<c>Exchange__Targets__0__Name</c>, <c>STMFHIR_TARGET_URL</c> for a
/// target named <c>default</c>, <c>Storage__...</c>, <c>STMFHIR_DATA_DIR</c>), then <c>--provider</c>,
/// <c>--connection-string</c> and <c>--data</c>. Pulled sessions are validated as the gateway's intake validates them,
/// with the profiles of <c>Profiles:Directory</c> or the StmFhir checkout or installation (as <c>validate</c> finds them).
/// Exit code 0 when every STM Procedure was stored, 1 when some could not be, 2 for usage errors or a pull that stopped
/// early (the target failed).
/// </summary>
internal static class PullCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "The configured target to pull from, by name.", Required = true };
        var settings = new GatewaySettings.Options();
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
        var command = new Command("pull", "Pull the STM sessions changed at a configured FHIR server into the gateway's store.") { server, since, count };
        foreach (var option in settings.All)
        {
            command.Options.Add(option);
        }
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetRequiredValue(server), settings.From(parseResult),
            new PullRequest(parseResult.GetRequiredValue(server)) { Since = parseResult.GetValue(since), PageSize = parseResult.GetValue(count) },
            parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error, cancellationToken));
        return command;
    }

    private static DateTimeOffset? SinceError(System.CommandLine.Parsing.ArgumentResult result)
    {
        result.AddError($"--since '{result.Tokens.Single().Value}' is not a date or date-time");
        return null;
    }

    private static async Task<int> RunAsync(string name, GatewaySettings.Arguments arguments, PullRequest request, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (arguments.ConfigFile is { } file && !File.Exists(file))
        {
            await error.WriteLineAsync($"pull: no configuration file at {Path.GetFullPath(file)}");
            return ExitCodes.UsageOrIo;
        }
        IConfiguration configuration;
        StorageOptions storage;
        try
        {
            var environment = Environment.GetEnvironmentVariables();
            configuration = GatewaySettings.Configuration(arguments.ConfigFile, environment);
            storage = GatewaySettings.Storage(arguments, environment);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or InvalidOperationException)
        {
            await error.WriteLineAsync($"pull: cannot read the settings: {e.Message}");
            return ExitCodes.UsageOrIo;
        }

        var exchange = ExchangeOptions.From(configuration);
        if (await SettingsProblemAsync(name, exchange, storage, error) || await ProfilesAsync(configuration, error) is not { } profiles)
        {
            return ExitCodes.UsageOrIo;
        }

        var store = ResourceStores.Create(storage, TimeProvider.System);
        try
        {
            await using var services = new ServiceCollection().AddLogging().AddSingleton(store).AddFhirExchange(exchange)
                .AddPullValidation(() => StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = profiles }))
                .AddFhirPull().BuildServiceProvider();
            await store.InitializeAsync(cancellationToken);
            var result = await services.GetRequiredService<IFhirPuller>().PullAsync(request, cancellationToken);
            var state = await services.GetRequiredService<IPullStateStore>().GetPullStateAsync(name, cancellationToken);
            await WriteAsync(result, state, output, error);
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

    /// <summary>Whether the target is unknown or the storage settings are wrong; either is written to <paramref name="error"/>.</summary>
    private static async Task<bool> SettingsProblemAsync(string name, ExchangeOptions exchange, StorageOptions storage, TextWriter error)
    {
        if (!exchange.Targets.Any(t => t.Name == name))
        {
            var known = exchange.Targets.Count == 0 ? "none (configure Exchange:Targets with --config or environment variables, or set STMFHIR_TARGET_URL)" : string.Join(", ", exchange.Targets.Select(t => t.Name));
            await error.WriteLineAsync($"pull: no target named '{name}'; configured targets: {known}");
            return true;
        }
        if (storage.Problems().FirstOrDefault() is { } problem)
        {
            await error.WriteLineAsync($"pull: {problem}");
            return true;
        }
        return false;
    }

    /// <summary>
    /// As the gateway finds them: <c>Profiles:Directory</c>, else the checkout's or the installed folder. No profiles, no
    /// pull: a session checked against core R4 only would be stored although intake refuses it.
    /// </summary>
    private static async Task<string?> ProfilesAsync(IConfiguration configuration, TextWriter error)
    {
        var profiles = configuration["Profiles:Directory"] is { Length: > 0 } configured ? Path.GetFullPath(configured) : ProfilesLocation.Find();
        if (profiles is not null && Directory.Exists(profiles))
        {
            return profiles;
        }
        await error.WriteLineAsync($"pull: no profiles folder {(profiles is null ? "found" : "at " + profiles)} (set Profiles:Directory); pulled sessions are validated against the StmFhir profiles");
        return null;
    }

    private static async Task WriteAsync(PullResult result, PullState? state, TextWriter output, TextWriter error)
    {
        var c = result.Counts;
        await output.WriteLineAsync($"Pulled from {result.Target} {(result.Since is null ? "everything" : "since " + result.Since)}: {c.Pages} page(s)");
        await output.WriteLineAsync($"  fetched     {c.Fetched}");
        await output.WriteLineAsync($"  stored new  {c.Created}");
        await output.WriteLineAsync($"  updated     {c.Updated}");
        await output.WriteLineAsync($"  unchanged   {c.Unchanged}");
        await output.WriteLineAsync($"  skipped     {c.Skipped} (not STM sessions)");
        await output.WriteLineAsync($"  failed      {c.Failed} (not stored)");
        await output.WriteLineAsync($"  conflicted  {c.Conflicted} (changed here too: not stored; stmfhir outbox conflicts)");
        await output.WriteLineAsync($"Watermark: {result.Watermark ?? "none"}");
        foreach (var failure in result.Failures)
        {
            await WriteFailureAsync(output, "not stored", failure);
        }
        foreach (var id in result.Cleared)
        {
            await output.WriteLineAsync($"cleared Procedure/{id}: stored now, no longer listed");
        }
        // Found by earlier pulls and not read again (a pull reads a Procedure again only once it changes at the target).
        var thisPull = result.Failures.Select(f => f.ProcedureId).ToHashSet(StringComparer.Ordinal);
        foreach (var failure in state?.Failures.Where(f => !thisPull.Contains(f.ProcedureId)) ?? [])
        {
            await WriteFailureAsync(output, "still not stored", failure);
        }
        if (result.Error is not null)
        {
            await error.WriteLineAsync($"pull: stopped early: {result.Error}; the watermark stays at the last stored page, the next pull goes on from there");
        }
    }

    /// <summary>One line per Procedure: its id and version at the target, then each error's code, FHIRPath and STM field (no content).</summary>
    private static Task WriteFailureAsync(TextWriter output, string label, PullFailure failure) =>
        output.WriteLineAsync($"{label} Procedure/{failure.ProcedureId}{(failure.Version is null ? "" : "/_history/" + failure.Version)}: "
            + string.Join("; ", failure.Issues.Select(i => i.Code
                + (i.Expression is null ? "" : " at " + i.Expression)
                + (i.Location is null ? "" : $" ({i.Location})"))));
}
