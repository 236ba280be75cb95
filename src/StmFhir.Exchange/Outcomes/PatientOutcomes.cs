using StmFhir.Core.Outcomes;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outcomes;

/// <summary>
/// Reads a patient's STM sessions and their pain and ROM Observations from the store, through the search index (by
/// patient: <see cref="IResourceStore.ReferencingAsync"/>), never by scanning every Observation, and computes their
/// <see cref="OutcomeTrends"/>. Shared by the gateway's <c>$stm-outcomes</c> and <c>stmfhir outcomes</c>.
/// </summary>
public static class PatientOutcomes
{
    /// <summary>The patient's outcome trends, or null when the store holds no Patient with that id.</summary>
    public static async Task<OutcomeReport?> ReadAsync(IResourceStore store, string patientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.ReadAsync("Patient", patientId, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }
        var patient = new ReferenceValue("Patient", patientId);
        var procedures = await store.ReferencingAsync("Procedure", "patient", patient, cancellationToken).ConfigureAwait(false);
        var observations = await store.ReferencingAsync("Observation", "patient", patient, cancellationToken).ConfigureAwait(false);
        // The store's JSON was validated on intake: only the elements the trends use are read, without Firely's objects;
        // Observations that are neither pain nor ROM (a screening finding) are left out there.
        var sessions = procedures.Select(r => OutcomeJson.ReadSession(r.Json)).OfType<SessionStart>();
        var values = observations.Select(r => OutcomeJson.ReadMeasurement(r.Json)).OfType<MeasuredValue>();
        return OutcomeTrends.Compute(patientId, sessions, values);
    }
}
