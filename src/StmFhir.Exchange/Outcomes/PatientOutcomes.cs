using System.Text.Json;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
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
        var procedures = await SearchAllAsync<Procedure>(store, "Procedure", [Criterion("Procedure", "patient", patient)], cancellationToken)
            .ConfigureAwait(false);
        var codes = Criterion("Observation", "code", [.. OutcomeTrends.MeasureCodes.Select(c => new TokenValue(c.System, c.Code))]);
        var observations = await SearchAllAsync<Observation>(store, "Observation", [Criterion("Observation", "patient", patient), codes],
            cancellationToken).ConfigureAwait(false);
        return OutcomeTrends.Compute(patientId, procedures, observations);
    }

    private static SearchCriterion Criterion(string type, string name, params SearchValue[] values) =>
        new(SearchParameterCatalog.Find(type, name) ?? throw new InvalidOperationException($"The store indexes no {type} {name}"), values);

    private static async Task<List<T>> SearchAllAsync<T>(IResourceStore store, string type, IReadOnlyList<SearchCriterion> criteria,
        CancellationToken cancellationToken) where T : Resource
    {
        var found = new List<T>();
        while (true)
        {
            var page = await store.SearchAsync(new SearchQuery(type, criteria, PageSize, found.Count), cancellationToken).ConfigureAwait(false);
            // The store's JSON was validated on intake: read it without validating again.
            found.AddRange(page.Resources.Select(r => JsonSerializer.Deserialize<T>(r.Json, FhirJson.Lenient)!));
            if (page.Resources.Count == 0 || found.Count >= page.Total)
            {
                return found;
            }
        }
    }
}
