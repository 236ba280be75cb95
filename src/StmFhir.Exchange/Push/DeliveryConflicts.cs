using StmFhir.Exchange.Targets;

namespace StmFhir.Exchange.Push;

/// <summary>
/// What a <c>412</c> to a transaction with <c>If-Match</c> entries means. The target refuses the whole transaction
/// without saying which entry failed, so the versions it holds now are read (one batch) and compared with those the
/// entries expected: each that moved on is a conflict. A 412 where every expected version still holds was refused for
/// another reason (a conditional create that matched two resources) and stays the permanent failure it was.
/// </summary>
internal static class DeliveryConflicts
{
    /// <summary>The conflict failure for a refused part, or <paramref name="refusal"/> itself when no version moved on.</summary>
    public static async Task<DeliveryFailure> FindAsync(FhirTargetClient client, FhirCapabilities capabilities, DeliveryState state,
        IReadOnlyList<(PlannedWrite Item, string Expected)> checkedWrites, DeliveryFailure refusal, CancellationToken cancellationToken)
    {
        var current = new string?[checkedWrites.Count];
        if (capabilities.Batch)
        {
            using var bundle = new DeliveryBundleWriter("batch");
            foreach (var (item, _) in checkedWrites)
            {
                bundle.Read($"{item.Type}/{item.Id}");
            }
            state.CountRequest();
            List<ResponseEntry>? entries;
            DeliveryFailure? failure;
            try
            {
                (entries, failure) = await DeliveryAnswers.PostAsync(client, bundle, "batch", cancellationToken);
            }
            catch (FhirTransportException e)
            {
                return DeliveryAnswers.Transport(e);
            }
            if (failure is not null)
            {
                // Cannot tell which resource moved on: try again later rather than call it a conflict or dead-letter it.
                return failure with { Kind = DeliveryFailureKind.Transient };
            }
            for (var i = 0; i < checkedWrites.Count; i++)
            {
                current[i] = entries![i] is { Status: 200, Search: null } read ? read.Version : null;
            }
        }
        var conflicts = checkedWrites.Select((w, i) => (w.Item, w.Expected, Current: current[i]))
            .Where(w => !capabilities.Batch || w.Current != w.Expected)
            .Select(w => new VersionConflict(w.Item.Type, w.Item.Source, w.Item.Id!, w.Expected, w.Current))
            .ToList();
        if (conflicts.Count == 0)
        {
            return refusal;
        }
        var listed = string.Join(", ", conflicts.Select(c => $"{c.ResourceType}/{c.TargetId} (expected version {c.ExpectedVersion}, now {c.CurrentVersion ?? "unknown"})"));
        return new DeliveryFailure(DeliveryFailureKind.Conflict, $"The target changed {conflicts.Count} resource(s) since the version last delivered (412): {listed}",
            refusal.HttpStatus, refusal.Outcome) { Conflicts = conflicts };
    }
}
