using System.CommandLine;
using StmFhir.Exchange.Outbox;

namespace StmFhir.Cli.Commands;

/// <summary>
/// <c>stmfhir outbox purge --target NAME</c>: deletes the open (pending, in flight, dead, held) deliveries of a target
/// removed from the gateway's configuration (orphaned; <c>stmfhir outbox list</c> marks it), keeping its delivered
/// history. Exit 2 for a target that is configured or unknown: a configured target's rows are the dispatcher's.
/// </summary>
internal static class OutboxPurgeCommand
{
    /// <summary>The command, opening the database through <paramref name="storage"/>.</summary>
    public static Command Create(Func<ParseResult, GatewaySettings.Arguments> storage)
    {
        var target = new Option<string>("--target") { Description = "The orphaned target whose open deliveries are deleted.", Required = true };
        var purge = new Command("purge", "Delete the open deliveries of a target removed from the configuration (orphaned); its delivered history stays.") { target };
        purge.SetAction((parseResult, cancellationToken) => OutboxCommand.WithStoreAsync(storage(parseResult), parseResult.InvocationConfiguration.Error,
            (store, ct) => PurgeAsync(store.Outbox(), parseResult.GetValue(target)!, parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error, ct),
            cancellationToken));
        return purge;
    }

    private static async Task<int> PurgeAsync(IOutboxStore outbox, string target, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (await outbox.PurgeAsync(target, cancellationToken) is not { } purged)
        {
            await error.WriteLineAsync($"Target '{target}' is not orphaned: only a target removed from the gateway's configuration can be purged " +
                "(stmfhir outbox list marks them).");
            return ExitCodes.UsageOrIo;
        }
        await output.WriteLineAsync($"{purged} open delivery row(s) of target '{target}' deleted; its delivered history stays.");
        return ExitCodes.Success;
    }
}
