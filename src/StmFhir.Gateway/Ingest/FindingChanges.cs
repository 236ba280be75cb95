using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Clinical;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Validation;

namespace StmFhir.Gateway.Ingest;

/// <summary>
/// Adds to a valid transaction's changes the DetectedIssue resources of its clinical findings
/// (<see cref="ClinicalFindings"/>), so they are stored and pushed with the session in one commit and one outbox row,
/// and marks <c>entered-in-error</c> the stored findings of its Procedures that the corrected session no longer triggers.
/// </summary>
/// <remarks>
/// Retired findings are kept, not deleted: a hospital may have seen one and acted on it, and the store and the push
/// know versions, not deletions, so an <c>entered-in-error</c> version reaches every target the finding reached.
/// </remarks>
internal sealed class FindingChanges(IResourceStore store)
{
    /// <summary>The most stored findings of one transaction's Procedures read to retire the stale ones (a session has a few).</summary>
    private const int MaxStoredFindings = 200;

    public async Task<ChangeSet> AddAsync(ChangeSet changes, Bundle bundle, ValidationVerdict verdict, CancellationToken cancellationToken)
    {
        var findings = ClinicalFindings.For(bundle, Warnings(verdict));
        var procedures = await StoredProceduresAsync(changes, cancellationToken).ConfigureAwait(false);
        var stale = procedures.Count == 0 ? [] : await StaleAsync(procedures, findings, cancellationToken).ConfigureAwait(false);
        if (findings.Count == 0 && stale.Count == 0)
        {
            return changes;
        }
        return changes with
        {
            Changes = [.. changes.Changes,
                .. findings.Select(f => new Change(ChangeMethod.Update, f)),
                .. stale.Select(f => new Change(ChangeMethod.Update, ClinicalFindings.Retired(f)))],
        };
    }

    /// <summary>
    /// The ids of the transaction's Procedures that are stored already: only those can have findings to retire, and a read
    /// by id costs less than the search, which a new session (the common case) is thus spared.
    /// </summary>
    private async Task<List<string>> StoredProceduresAsync(ChangeSet changes, CancellationToken cancellationToken)
    {
        var stored = new List<string>();
        foreach (var id in changes.Changes.Where(c => c.Resource is Procedure).Select(IdOf).OfType<string>())
        {
            if (await store.ReadAsync(nameof(Procedure), id, cancellationToken).ConfigureAwait(false) is not null)
            {
                stored.Add(id);
            }
        }
        return stored;
    }

    /// <summary>The findings stored for these Procedures, still final, that this version of the session does not give again.</summary>
    private async Task<List<DetectedIssue>> StaleAsync(List<string> procedureIds, IReadOnlyList<DetectedIssue> findings, CancellationToken cancellationToken)
    {
        var implicated = SearchParameterCatalog.Find(nameof(DetectedIssue), "implicated")!;
        var query = new SearchQuery(nameof(DetectedIssue),
            [new SearchCriterion(implicated, [.. procedureIds.Select(id => new ReferenceValue(nameof(Procedure), id))])], MaxStoredFindings, 0);
        var stored = await store.SearchAsync(query, cancellationToken).ConfigureAwait(false);
        if (stored.Total == 0)
        {
            return [];
        }
        var current = findings.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        return [.. stored.Resources
            .Where(r => !current.Contains(r.Id))
            .Select(r => FhirJson.Deserialize<DetectedIssue>(r.Json))
            .Where(d => d.Status == ObservationStatus.Final)];
    }

    /// <summary>The id a change will have when stored: its resource's, or that of its <c>urn:uuid</c> full URL.</summary>
    private static string? IdOf(Change change) =>
        change.Resource.Id ?? (change.FullUrl is { } url && url.StartsWith("urn:uuid:", StringComparison.Ordinal) ? url["urn:uuid:".Length..] : null);

    /// <summary>The verdict's warnings of finding rules, read back into the engine's issues.</summary>
    private static IEnumerable<ValidationIssue> Warnings(ValidationVerdict verdict) =>
        from issue in verdict.Outcome.Issue
        let code = issue.Details?.Coding.FirstOrDefault(c => c.System == ValidationReport.IssueCodeSystem)?.Code
        where code is not null && ClinicalFindings.IsFinding(code) && issue.Severity is OperationOutcome.IssueSeverity.Warning
        select new ValidationIssue(issue.Severity!.Value, code, issue.Expression.FirstOrDefault(), issue.Details?.Text ?? issue.Diagnostics ?? "",
            issue.Code ?? OperationOutcome.IssueType.BusinessRule);
}
