using System.Text.Json;
using StmFhir.Exchange.Client;
using StmFhir.Exchange.Outbox;
using StmFhir.Gateway.Security;

namespace StmFhir.Gateway.Delivery;

/// <summary>The outbox's delivery state.</summary>
/// <param name="Targets">Per target, rows pending, in flight, delivered and dead-lettered.</param>
/// <param name="Dead">The dead-lettered rows with the target's reasons.</param>
internal sealed record ExchangeStatus(IReadOnlyList<OutboxTargetCounts> Targets, IReadOnlyList<DeadRow> Dead);

/// <summary>A dead-lettered row.</summary>
/// <param name="OutboxId">The outbox row (for <c>stmfhir outbox replay</c>).</param>
/// <param name="Target">The target that refused it.</param>
/// <param name="Source">The row's source.</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="At">When it was dead-lettered.</param>
/// <param name="HttpStatus">The target's status.</param>
/// <param name="Message">The failure.</param>
/// <param name="Outcome">The target's OperationOutcome.</param>
internal sealed record DeadRow(long OutboxId, string Target, string Source, int Attempts, DateTimeOffset At, int? HttpStatus, string? Message, JsonElement? Outcome);

/// <summary><c>GET /exchange/status</c>.</summary>
internal static class ExchangeEndpoints
{
    /// <summary>Maps <c>GET /exchange/status</c> (read scope): counts per target and the dead-lettered rows.</summary>
    public static IEndpointRouteBuilder MapExchangeStatus(this IEndpointRouteBuilder app)
    {
        app.MapGet("/exchange/status", StatusAsync).RequireAuthorization(Scopes.ReadPolicy)
            .WithTags("Exchange").WithSummary("Delivery state of the outbox per target, and the dead-lettered rows with their reasons")
            .Produces<ExchangeStatus>();
        return app;
    }

    private static async Task<IResult> StatusAsync(IOutboxStore outbox, IServiceProvider services, CancellationToken cancellationToken)
    {
        // Rows committed since the dispatcher's last poll count as pending for every configured target.
        var targets = services.GetService<IFhirTargets>()?.Names;
        var counts = await outbox.CountAsync(targets?.ToList(), cancellationToken).ConfigureAwait(false);
        var dead = await outbox.ListAsync(OutboxStates.Dead, 1000, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new ExchangeStatus(counts, [.. dead.Select(d => new DeadRow(
            d.OutboxId, d.Target, d.Source, d.Attempts, d.UpdatedAt, d.HttpStatus, d.Error,
            d.Outcome is null ? null : JsonDocument.Parse(d.Outcome).RootElement.Clone()))]));
    }
}
