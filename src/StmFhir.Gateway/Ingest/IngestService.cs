using Hl7.Fhir.Model;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Validation;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Ingest;

/// <summary>What became of changes offered to intake: refused by validation, refused by the store, or committed.</summary>
/// <param name="Invalid">The validator's verdict, when it found an error (nothing was stored).</param>
/// <param name="Rejected">The store's refusal, when the changes were malformed, stale or duplicated a person (nothing was stored).</param>
/// <param name="Committed">What was stored, with its outbox row.</param>
internal sealed record IngestOutcome(ValidationVerdict? Invalid, StoreRejectedException? Rejected, CommitResult? Committed)
{
    /// <summary>
    /// The validator's verdict whenever validation ran, also on a commit: its warnings and information issues are part
    /// of the answer to an accepted write (null when the store refused the changes before validation).
    /// </summary>
    public ValidationVerdict? Verdict { get; init; }
}

/// <summary>
/// Validate, then store with the outbox row in one database transaction: the single path by which anything written to
/// the gateway becomes stored data. Sessions and <c>POST /fhir</c> transactions offer a Bundle (validated as a whole),
/// create, update and each batch entry one resource; the endpoints only turn the <see cref="IngestOutcome"/> into HTTP.
/// </summary>
internal sealed class IngestService(IResourceValidator validator, IResourceStore store, FindingChanges findings, ILogger<IngestService> logger)
{
    /// <summary>A transaction Bundle (an STM session's or a <c>POST /fhir</c> transaction): its entries stored all or none, the Bundle validated as a whole.</summary>
    public Task<IngestOutcome> IngestAsync(Bundle transaction, string source, CancellationToken cancellationToken)
    {
        ChangeSet changes;
        try
        {
            changes = TransactionBundles.ToChangeSet(transaction, source);
        }
        catch (StoreRejectedException e)
        {
            // An entry the store cannot take is refused before the (costlier) validation.
            return Task.FromResult(new IngestOutcome(null, e, null));
        }
        return IngestAsync(changes, transaction, cancellationToken);
    }

    /// <summary>One entry of a batch, on its own: stored or refused whatever becomes of the others.</summary>
    public Task<IngestOutcome> IngestAsync(Bundle.EntryComponent entry, int index, string source, CancellationToken cancellationToken)
    {
        Change change;
        try
        {
            change = TransactionBundles.ToChange(entry, index);
        }
        catch (StoreRejectedException e)
        {
            return Task.FromResult(new IngestOutcome(null, e, null));
        }
        return IngestAsync(new ChangeSet([change], source), change.Resource, cancellationToken);
    }

    /// <summary>
    /// Validates <paramref name="validate"/> (a Bundle: every entry), and only if it has no error commits
    /// <paramref name="changes"/> with their outbox row; for a Bundle, with the DetectedIssues of its clinical findings
    /// (<see cref="FindingChanges"/>).
    /// </summary>
    /// <param name="changes">What to store, all or nothing.</param>
    /// <param name="validate">What the changes were read from: the transaction Bundle, or the one resource written.</param>
    /// <param name="cancellationToken">The caller's (the request's) token: validation stops when the client goes away.</param>
    public async Task<IngestOutcome> IngestAsync(ChangeSet changes, Resource validate, CancellationToken cancellationToken)
    {
        var verdict = await validator.ValidateAsync(validate, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!verdict.IsValid)
        {
            logger.LogInformation("Refused a {Source} transaction of {EntryCount} entries: {ErrorCount} validation errors",
                changes.Source, changes.Changes.Count, verdict.Outcome.Issue.Count(i => i.Severity <= OperationOutcome.IssueSeverity.Error));
            return new IngestOutcome(verdict, null, null) { Verdict = verdict };
        }
        try
        {
            if (validate is Bundle bundle)
            {
                // The findings commit with the session: stored and pushed together, or not at all.
                changes = await findings.AddAsync(changes, bundle, verdict, cancellationToken).ConfigureAwait(false);
            }
            CommitResult result;
            using (var commit = Telemetry.IntakeTelemetry.Source.StartActivity("stmfhir.store.commit"))
            {
                result = await store.CommitAsync(changes, cancellationToken).ConfigureAwait(false);
                commit?.SetTag("stmfhir.outbox.id", result.OutboxId);
            }
            logger.LogInformation("Stored a {Source} transaction: {Written} of {EntryCount} resources written, outbox row {OutboxId}",
                changes.Source, result.Entries.Count(e => e.Wrote), result.Entries.Count, result.OutboxId);
            return new IngestOutcome(null, null, result) { Verdict = verdict };
        }
        catch (StoreRejectedException e)
        {
            logger.LogInformation("The store refused a {Source} transaction: {Reason} at entry {EntryIndex}", changes.Source, e.Reason, e.ChangeIndex);
            return new IngestOutcome(null, e, null) { Verdict = verdict };
        }
    }
}
