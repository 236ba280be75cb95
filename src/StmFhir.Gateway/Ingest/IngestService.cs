using Hl7.Fhir.Model;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Validation;

namespace StmFhir.Gateway.Ingest;

/// <summary>What happened to a transaction: refused by validation, refused by the store, or committed.</summary>
internal sealed record IngestOutcome(ValidationVerdict? Invalid, StoreRejectedException? Rejected, CommitResult? Committed);

/// <summary>
/// Validate, then store with its outbox row in one database transaction: the single path by which a transaction
/// (an STM session's Bundle or a <c>POST /fhir</c> transaction) becomes stored data.
/// </summary>
internal sealed class IngestService(IResourceValidator validator, IResourceStore store, ILogger<IngestService> logger)
{
    public async Task<IngestOutcome> IngestAsync(Bundle transaction, string source, CancellationToken cancellationToken)
    {
        ChangeSet changes;
        try
        {
            changes = TransactionBundles.ToChangeSet(transaction, source);
        }
        catch (StoreRejectedException e)
        {
            return new IngestOutcome(null, e, null);
        }
        var verdict = await validator.ValidateAsync(transaction, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!verdict.IsValid)
        {
            logger.LogInformation("Refused a {Source} transaction of {EntryCount} entries: {ErrorCount} validation errors",
                source, transaction.Entry.Count, verdict.Outcome.Issue.Count(i => i.Severity <= OperationOutcome.IssueSeverity.Error));
            return new IngestOutcome(verdict, null, null);
        }
        return await CommitAsync(changes, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores already validated changes.</summary>
    public async Task<IngestOutcome> CommitAsync(ChangeSet changes, CancellationToken cancellationToken)
    {
        try
        {
            var result = await store.CommitAsync(changes, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Stored a {Source} transaction: {Written} of {EntryCount} resources written, outbox row {OutboxId}",
                changes.Source, result.Entries.Count(e => e.Wrote), result.Entries.Count, result.OutboxId);
            return new IngestOutcome(null, null, result);
        }
        catch (StoreRejectedException e)
        {
            logger.LogInformation("The store refused a {Source} transaction: {Reason} at entry {EntryIndex}", changes.Source, e.Reason, e.ChangeIndex);
            return new IngestOutcome(null, e, null);
        }
    }

    /// <summary>The HTTP answer to a store refusal: 412 for a failed precondition, 409 for a duplicated person identifier, else 400.</summary>
    public static IResult Refusal(StoreRejectedException rejection) => rejection.Reason switch
    {
        StoreRejection.PreconditionFailed => Fhir.Outcomes.Result(StatusCodes.Status412PreconditionFailed, OperationOutcome.IssueType.Conflict, rejection.Message),
        StoreRejection.Conflict => Fhir.Outcomes.Result(StatusCodes.Status409Conflict, OperationOutcome.IssueType.Duplicate, rejection.Message),
        _ => Fhir.Outcomes.BadRequest(rejection.Message),
    };
}
