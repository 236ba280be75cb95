using StmFhir.Core.Outcomes;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outcomes;

/// <summary>
/// Reads a patient's STM sessions and their pain and ROM values from the store's outcome index (<c>outcome_points</c>,
/// kept with every commit: one index read of short rows, no stored document parsed) and computes their
/// <see cref="OutcomeTrends"/>. Shared by the gateway's <c>$stm-outcomes</c> and <c>stmfhir outcomes</c>.
/// </summary>
public static class PatientOutcomes
{
    /// <summary>
    /// The patient's outcome trends, or null when the store holds no Patient with that id; throws
    /// <see cref="ArgumentException"/> for a store that <c>ResourceStores.Create</c> did not make.
    /// </summary>
    public static async Task<OutcomeReport?> ReadAsync(IResourceStore store, string patientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var points = (store as SqlResourceStore)?.Extension<OutcomePointStore>()
            ?? throw new ArgumentException("The store keeps no outcome index: create it with ResourceStores.Create", nameof(store));
        if (await store.ReadAsync("Patient", patientId, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }
        var (sessions, values) = await points.ReadAsync(patientId, cancellationToken).ConfigureAwait(false);
        return OutcomeTrends.Compute(patientId, sessions, values);
    }
}
