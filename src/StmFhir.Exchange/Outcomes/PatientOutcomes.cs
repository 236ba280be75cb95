using StmFhir.Core.Outcomes;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Outcomes;

/// <summary>
/// Reads a patient's STM sessions and their pain and ROM Observations from the store, through the search index (by
/// patient, and for Observations by code too), never by scanning every Observation, and computes their
/// <see cref="OutcomeTrends"/>. Shared by the gateway's <c>$stm-outcomes</c> and <c>stmfhir outcomes</c>.
/// </summary>
public static class PatientOutcomes
{
    private const int PageSize = 500;

    /// <summary>The patient's outcome trends, or null when the store holds no Patient with that id.</summary>
    public static async Task<OutcomeReport?> ReadAsync(IResourceStore store, string patientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await store.ReadAsync("Patient", patientId, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }
        var patient = new ReferenceValue("Patient", patientId);
        var sessions = await SearchAllAsync(store, "Procedure", [Criterion("Procedure", "patient", patient)], OutcomeJson.ReadSession,
            cancellationToken).ConfigureAwait(false);
        var codes = Criterion("Observation", "code", [.. OutcomeTrends.MeasureCodes.Select(c => new TokenValue(c.System, c.Code))]);
        var values = await SearchAllAsync(store, "Observation", [Criterion("Observation", "patient", patient), codes], OutcomeJson.ReadMeasurement,
            cancellationToken).ConfigureAwait(false);
        return OutcomeTrends.Compute(patientId, sessions, values);
    }

    private static SearchCriterion Criterion(string type, string name, params SearchValue[] values) =>
        new(SearchParameterCatalog.Find(type, name) ?? throw new InvalidOperationException($"The store indexes no {type} {name}"), values);

    private static async Task<List<T>> SearchAllAsync<T>(IResourceStore store, string type, IReadOnlyList<SearchCriterion> criteria,
        Func<string, T?> read, CancellationToken cancellationToken) where T : class
    {
        var found = new List<T>();
        var offset = 0;
        while (true)
        {
            var page = await store.SearchAsync(new SearchQuery(type, criteria, PageSize, offset), cancellationToken).ConfigureAwait(false);
            offset += page.Resources.Count;
            // The store's JSON was validated on intake: only the elements the trends use are read, without Firely's objects.
            found.AddRange(page.Resources.Select(r => read(r.Json)).OfType<T>());
            if (page.Resources.Count == 0 || offset >= page.Total)
            {
                return found;
            }
        }
    }
}
