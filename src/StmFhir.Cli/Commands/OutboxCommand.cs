using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using StmFhir.Exchange;
using StmFhir.Exchange.Conflicts;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Store;

namespace StmFhir.Cli.Commands;

/// <summary>
/// <c>stmfhir outbox list [--state S] | show &lt;id&gt; | replay &lt;id&gt; | replay --all-dead | conflicts [--all] |
/// resolve &lt;conflict&gt; --ours|--theirs | purge --target NAME</c>: the delivery state of the gateway's outbox, one row's delivery per target
/// with what each resource became there (ids only, never bodies), moving dead-lettered rows back to pending for the
/// gateway's dispatcher to deliver again, and the sessions changed both here and at a target (conflicts), resolved for
/// our version (sent over the target's by the next poll) or the target's (stored by the next pull of that target). The database is
/// the gateway's, found from the same storage settings (<see cref="GatewaySettings"/>): SQLite in <c>--data DIR</c>
/// (default <c>STMFHIR_DATA_DIR</c>, else <c>data</c>) or PostgreSQL (<c>--provider postgresql --connection-string CS</c>,
/// or <c>Storage__Provider</c>/<c>Storage__ConnectionString</c>, or the <c>Storage</c> section of <c>--config FILE</c>).
/// Exit code 2 when the settings are incomplete, the database cannot be opened (no SQLite file there), a shown row does
/// not exist, a replay found no dead row, or a conflict to resolve does not exist or is decided already.
/// </summary>
internal static class OutboxCommand
{
    public static Command Create()
    {
        var settings = new GatewaySettings.Options();
        GatewaySettings.Arguments Storage(ParseResult parseResult) => settings.From(parseResult);
        var state = new Option<string?>("--state") { Description = "Only rows in this state: pending, in_flight, delivered, dead or conflict." };
        state.AcceptOnlyFromAmong([.. OutboxStates.All]);
        var list = new Command("list", "List the outbox's delivery rows per target, oldest first.") { state };
        list.SetAction((parseResult, cancellationToken) => WithStoreAsync(Storage(parseResult), parseResult.InvocationConfiguration.Error,
            (store, ct) => ListAsync(store, parseResult.GetValue(state), parseResult.InvocationConfiguration.Output, ct), cancellationToken));

        var id = new Argument<long?>("id") { Description = "The outbox row to deliver again.", Arity = ArgumentArity.ZeroOrOne };
        var allDead = new Option<bool>("--all-dead") { Description = "Move every dead-lettered row back to pending." };
        var replay = new Command("replay", "Move a dead-lettered row (or, with --all-dead, every one) back to pending.") { id, allDead };
        replay.Validators.Add(result =>
        {
            if (result.GetValue(id) is null == !result.GetValue(allDead))
            {
                result.AddError("Give either an outbox row id or --all-dead.");
            }
        });
        replay.SetAction((parseResult, cancellationToken) => WithStoreAsync(Storage(parseResult), parseResult.InvocationConfiguration.Error,
            (store, ct) => ReplayAsync(store.Outbox(), parseResult.GetValue(id), parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error, ct),
            cancellationToken));

        var showId = new Argument<long>("id") { Description = "The outbox row to show." };
        var show = new Command("show", "Show one outbox row: its state per target, attempts, last error, and what each resource became at the target.") { showId };
        show.SetAction((parseResult, cancellationToken) => WithStoreAsync(Storage(parseResult), parseResult.InvocationConfiguration.Error,
            (store, ct) => ShowAsync(store.Outbox(), parseResult.GetValue(showId), parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error, ct),
            cancellationToken));

        var all = new Option<bool>("--all") { Description = "Also the resolved conflicts." };
        var conflicts = new Command("conflicts", "List the sessions changed both here and at a target, with both sides' ids and versions.") { all };
        conflicts.SetAction((parseResult, cancellationToken) => WithStoreAsync(Storage(parseResult), parseResult.InvocationConfiguration.Error,
            (store, ct) => ConflictsAsync(store.Conflicts(), parseResult.GetValue(all), parseResult.InvocationConfiguration.Output, ct), cancellationToken));
        var resolve = ResolveCommand(Storage);

        var outbox = new Command("outbox", "Show and replay the gateway's outbox deliveries, and resolve conflicts (its SQLite data folder or PostgreSQL database).")
        {
            list, show, replay, conflicts, resolve, OutboxPurgeCommand.Create(Storage),
        };
        foreach (var option in settings.All)
        {
            outbox.Options.Add(option);
        }
        return outbox;
    }

    private static Command ResolveCommand(Func<ParseResult, GatewaySettings.Arguments> storage)
    {
        var id = new Argument<long>("conflict") { Description = "The conflict to resolve (stmfhir outbox conflicts lists them)." };
        var ours = new Option<bool>("--ours") { Description = "Our version wins: the gateway sends it over the target's on its next poll." };
        var theirs = new Option<bool>("--theirs") { Description = "The target's version wins: the next pull of the target stores it here; our held deliveries are not sent." };
        var resolve = new Command("resolve", "Resolve a conflict for our version or the target's.") { id, ours, theirs };
        resolve.Validators.Add(result =>
        {
            if (result.GetValue(ours) == result.GetValue(theirs))
            {
                result.AddError("Give exactly one of --ours or --theirs.");
            }
        });
        resolve.SetAction((parseResult, cancellationToken) => WithStoreAsync(storage(parseResult), parseResult.InvocationConfiguration.Error,
            (store, ct) => ResolveAsync(store.Outbox(), parseResult.GetValue(id), parseResult.GetValue(ours) ? ConflictSides.Ours : ConflictSides.Theirs,
                parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error, ct),
            cancellationToken));
        return resolve;
    }

    /// <summary>Opens the gateway's database from <paramref name="arguments"/>, runs <paramref name="action"/> on it and closes it; exit 2 when it cannot be opened.</summary>
    internal static async Task<int> WithStoreAsync(GatewaySettings.Arguments arguments, TextWriter error, Func<IResourceStore, CancellationToken, Task<int>> action, CancellationToken cancellationToken)
    {
        StorageOptions options;
        try
        {
            options = GatewaySettings.Storage(arguments, Environment.GetEnvironmentVariables());
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or InvalidOperationException)
        {
            await error.WriteLineAsync($"Cannot read the storage settings: {e.Message}");
            return ExitCodes.UsageOrIo;
        }
        var problems = options.Problems().ToList();
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await error.WriteLineAsync(problem + " (--provider, --connection-string, --data, --config, or Storage__* variables)");
            }
            return ExitCodes.UsageOrIo;
        }
        if (options.Provider == "sqlite" && !File.Exists(options.SqlitePath))
        {
            await error.WriteLineAsync($"No gateway database at {options.SqlitePath}; pass --data DIR or set STMFHIR_DATA_DIR (for PostgreSQL: --provider postgresql --connection-string ...).");
            return ExitCodes.UsageOrIo;
        }
        var store = ResourceStores.Create(options, TimeProvider.System);
        try
        {
            await store.InitializeAsync(cancellationToken);
            return await action(store, cancellationToken);
        }
        catch (DbException e)
        {
            // The provider's message (host, database, reason); a connection string's password is never part of it.
            await error.WriteLineAsync($"Cannot use the gateway's {options.Provider} database: {e.Message}");
            return ExitCodes.UsageOrIo;
        }
        finally
        {
            if (store is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    private static async Task<int> ListAsync(IResourceStore store, string? state, TextWriter output, CancellationToken cancellationToken)
    {
        var outbox = store.Outbox();
        foreach (var counts in await outbox.CountAsync(cancellationToken: cancellationToken))
        {
            var orphaned = counts.Orphaned
                ? $"; orphaned: removed from the configuration at {counts.RemovedAt:yyyy-MM-ddTHH:mm:ssZ} (configure it again, or stmfhir outbox purge --target {counts.Target})"
                : "";
            await output.WriteLineAsync($"# {counts.Target}: {counts.Pending} pending, {counts.InFlight} in flight, {counts.Delivered} delivered, {counts.Dead} dead, {counts.Conflict} held by a conflict{orphaned}");
        }
        var open = await store.Conflicts().ListAsync(cancellationToken: cancellationToken);
        if (open.Count > 0)
        {
            await output.WriteLineAsync($"# {open.Count} unresolved conflict(s): stmfhir outbox conflicts; stmfhir outbox resolve <conflict> --ours|--theirs");
        }
        await output.WriteLineAsync("id\ttarget\tstate\tattempts\tupdated\tstatus\tmessage");
        foreach (var row in await outbox.ListAsync(state, 10_000, cancellationToken))
        {
            await output.WriteLineAsync(string.Join('\t',
                row.OutboxId.ToString(CultureInfo.InvariantCulture), row.Target, row.State, row.Attempts.ToString(CultureInfo.InvariantCulture),
                row.UpdatedAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                row.HttpStatus?.ToString(CultureInfo.InvariantCulture) ?? "", (row.Error ?? "").ReplaceLineEndings(" ")));
        }
        return ExitCodes.Success;
    }

    private static async Task<int> ShowAsync(IOutboxStore outbox, long id, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (await outbox.GetAsync(id, cancellationToken) is not { } entry)
        {
            await error.WriteLineAsync($"Outbox row {id} does not exist.");
            return ExitCodes.UsageOrIo;
        }
        static string Time(DateTimeOffset at) => at.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        await output.WriteLineAsync($"# outbox row {entry.OutboxId}: source {entry.Source}, committed {Time(entry.CreatedAt)}, " +
            $"{entry.Resources.Count} resource(s): {string.Join(", ", entry.Resources.Select(r => $"{r.Type}/{r.Id}/_history/{r.Version}"))}");
        if (entry.Deliveries.Count == 0)
        {
            await output.WriteLineAsync("# no target yet (the gateway adds its configured targets at start)");
        }
        foreach (var delivery in entry.Deliveries)
        {
            var when = delivery.State switch
            {
                OutboxStates.Pending => $", next attempt {Time(delivery.NextAttemptAt)}",
                OutboxStates.InFlight when delivery.LeaseUntil is { } lease => $", leased until {Time(lease)}",
                _ => "",
            };
            await output.WriteLineAsync($"## {delivery.Target}: {delivery.State}, {delivery.Attempts} attempt(s), updated {Time(delivery.UpdatedAt)}{when}");
            if (delivery.Error is { } message)
            {
                var status = delivery.HttpStatus is { } code ? $"HTTP {code.ToString(CultureInfo.InvariantCulture)}: " : "";
                await output.WriteLineAsync($"last error: {status}{message.ReplaceLineEndings(" ")}");
            }
            if (delivery.Results.Count > 0)
            {
                await output.WriteLineAsync("type\tlocal\ttarget\tversion\toutcome");
                foreach (var result in delivery.Results)
                {
                    await output.WriteLineAsync(string.Join('\t', result.ResourceType, result.Source, $"{result.ResourceType}/{result.TargetId}",
                        result.VersionId ?? "", result.Change));
                }
            }
        }
        return ExitCodes.Success;
    }

    private static async Task<int> ReplayAsync(IOutboxStore outbox, long? id, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var moved = id is { } one
            ? await outbox.ReplayAsync(one, cancellationToken: cancellationToken)
            : await outbox.ReplayAllDeadAsync(cancellationToken);
        if (id is not null && moved == 0)
        {
            await error.WriteLineAsync($"Outbox row {id} has no dead-lettered delivery.");
            return ExitCodes.UsageOrIo;
        }
        await output.WriteLineAsync($"{moved} delivery row(s) moved back to pending; the gateway delivers them on its next poll.");
        return ExitCodes.Success;
    }

    private static async Task<int> ConflictsAsync(IConflictStore conflicts, bool all, TextWriter output, CancellationToken cancellationToken)
    {
        static string Time(DateTimeOffset at) => at.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        static string Number(long? n) => n?.ToString(CultureInfo.InvariantCulture) ?? "";
        var listed = await conflicts.ListAsync(includeResolved: all, limit: 10_000, cancellationToken: cancellationToken);
        await output.WriteLineAsync($"# {listed.Count} conflict(s){(all ? "" : " unresolved")}");
        foreach (var conflict in listed)
        {
            var decided = conflict.Resolution is { } side ? $", {side} won at {Time(conflict.ResolvedAt!.Value)}" : "";
            await output.WriteLineAsync($"## conflict {conflict.Id}: target {conflict.Target}, found by {conflict.DetectedBy} at {Time(conflict.DetectedAt)}, {conflict.State}{decided}, " +
                $"Procedure/{conflict.ProcedureId} here, Procedure/{conflict.TargetProcedureId} there" + (conflict.OutboxId is { } row ? $", outbox row {Number(row)}" : ""));
            await output.WriteLineAsync("type	id here	version here (agreed)	id there	version there (agreed)");
            foreach (var r in conflict.Resources)
            {
                await output.WriteLineAsync(string.Join('\t', r.ResourceType, r.Id, $"{Number(r.LocalVersion)} ({Number(r.SyncedLocalVersion)})",
                    r.TargetId ?? "", $"{r.TargetVersion ?? "gone"} ({r.SyncedTargetVersion ?? ""})"));
            }
        }
        return ExitCodes.Success;
    }

    private static async Task<int> ResolveAsync(IOutboxStore outbox, long id, string side, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var resolution = await outbox.ResolveConflictAsync(id, side, cancellationToken);
        if (!resolution.Found || !resolution.Decided)
        {
            await error.WriteLineAsync(resolution.Found ? $"Conflict {id} is decided already." : $"Conflict {id} does not exist.");
            return ExitCodes.UsageOrIo;
        }
        await output.WriteLineAsync(side == ConflictSides.Ours
            ? $"Conflict {id} resolved for our version: {resolution.Released} held delivery row(s) back to pending"
                + (resolution.NewOutboxId is { } row ? $", outbox row {row} added" : "") + "; the gateway sends it over the target's version on its next poll."
            : $"Conflict {id} decided for the target's version: {resolution.Released} held delivery row(s) will not be sent; the next pull of the target stores its version here.");
        return ExitCodes.Success;
    }
}
