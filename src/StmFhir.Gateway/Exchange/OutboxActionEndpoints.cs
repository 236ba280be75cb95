using Microsoft.AspNetCore.Authorization;
using StmFhir.Exchange.Outbox;
using StmFhir.Gateway.Fhir;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Exchange;

/// <summary>What an outbox action did.</summary>
/// <param name="Moved">Delivery rows changed: moved back to pending (replay) or deleted (purge).</param>
internal sealed record OutboxActionResult(int Moved);

/// <summary>What the caller's credential may do on the operator console.</summary>
/// <param name="CanOperate">Whether it may replay dead letters and purge orphaned rows (<see cref="Scopes.OperatePolicy"/>).</param>
internal sealed record ConsoleAccess(bool CanOperate);

/// <summary>
/// The outbox's actions over HTTP, as <c>stmfhir outbox replay</c> and <c>stmfhir outbox purge</c> do them (the same store
/// operations), for the operator console and automation: read and write on every type
/// (<see cref="Scopes.OperatePolicy"/>); a read-only credential gets 403.
/// </summary>
internal static class OutboxActionEndpoints
{
    /// <summary>
    /// Maps <c>POST /exchange/outbox/{id}/$replay</c> (one row's dead deliveries, optionally <c>?target=</c>),
    /// <c>POST /exchange/outbox/$replay</c> (every dead delivery), <c>POST /exchange/targets/{name}/$purge</c> (an
    /// orphaned target's open rows), and <c>GET /exchange/access</c> (read scope: may this credential act).
    /// </summary>
    public static IEndpointRouteBuilder MapOutboxActions(this IEndpointRouteBuilder app)
    {
        app.MapPost("/exchange/outbox/{id:long}/$replay", ReplayOneAsync).RequireAuthorization(Scopes.OperatePolicy)
            .WithTags("Exchange").WithSummary("Moves an outbox row's dead-lettered deliveries (or, with ?target=NAME, that target's) back to pending, as `stmfhir outbox replay ID` does; 404 when it has none")
            .Produces<OutboxActionResult>();
        app.MapPost("/exchange/outbox/$replay", ReplayAllAsync).RequireAuthorization(Scopes.OperatePolicy)
            .WithTags("Exchange").WithSummary("Moves every dead-lettered delivery back to pending, as `stmfhir outbox replay --all-dead` does")
            .Produces<OutboxActionResult>();
        app.MapPost("/exchange/targets/{name}/$purge", PurgeAsync).RequireAuthorization(Scopes.OperatePolicy)
            .WithTags("Exchange").WithSummary("Deletes the open (pending, in flight, dead, held) deliveries of a target removed from the configuration, as `stmfhir outbox purge --target NAME` does; 409 for a target that is not orphaned")
            .Produces<OutboxActionResult>();
        app.MapGet("/exchange/access", AccessAsync).RequireAuthorization(Scopes.ReadPolicy)
            .WithTags("Exchange").WithSummary("Whether the caller's credential may act on the outbox (replay, purge); the operator console shows its buttons only then")
            .Produces<ConsoleAccess>();
        return app;
    }

    private static async Task<IResult> ReplayOneAsync(long id, string? target, IOutboxStore outbox, CancellationToken cancellationToken)
    {
        var moved = await outbox.ReplayAsync(id, string.IsNullOrEmpty(target) ? null : target, cancellationToken).ConfigureAwait(false);
        return moved == 0
            ? Outcomes.NotFound($"Outbox row {id} has no dead-lettered delivery" + (string.IsNullOrEmpty(target) ? "" : $" for target {Outcomes.Quote(target)}"))
            : TypedResults.Ok(new OutboxActionResult(moved));
    }

    private static async Task<IResult> ReplayAllAsync(IOutboxStore outbox, CancellationToken cancellationToken) =>
        TypedResults.Ok(new OutboxActionResult(await outbox.ReplayAllDeadAsync(cancellationToken).ConfigureAwait(false)));

    private static async Task<IResult> PurgeAsync(string name, IOutboxStore outbox, CancellationToken cancellationToken) =>
        await outbox.PurgeAsync(name, cancellationToken).ConfigureAwait(false) is { } purged
            ? TypedResults.Ok(new OutboxActionResult(purged))
            : Outcomes.Result(StatusCodes.Status409Conflict, Hl7.Fhir.Model.OperationOutcome.IssueType.BusinessRule,
                $"Target {Outcomes.Quote(name)} is not orphaned (it is configured, or has never been): only a target removed from the configuration can be purged");

    private static async Task<IResult> AccessAsync(HttpContext context, IAuthorizationService authorization) =>
        TypedResults.Ok(new ConsoleAccess((await authorization.AuthorizeAsync(context.User, context, Scopes.OperatePolicy).ConfigureAwait(false)).Succeeded));
}
