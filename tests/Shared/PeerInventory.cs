using System.Text.Json;

namespace StmFhir.Tests.Shared;

/// <summary>
/// What a FHIR server holds, read from the server itself (not from the gateway's records): every resource of the
/// given types, paged, counted per business identifier. The basis of "exactly once" checks: a key held more than once
/// is a duplicate, an expected key held by nothing is lost.
/// </summary>
internal sealed class PeerInventory
{
    private readonly Dictionary<string, Dictionary<string, int>> _byType = new(StringComparer.Ordinal);

    /// <summary>Every type the mapping writes with a business identifier.</summary>
    public static IReadOnlyList<string> IdentifiedTypes { get; } =
        ["Patient", "Practitioner", "Procedure", "Observation", "RiskAssessment", "Condition", "MedicationStatement"];

    /// <summary>Resources read per type (with or without an identifier).</summary>
    public Dictionary<string, int> Totals { get; } = new(StringComparer.Ordinal);

    /// <summary>How many resources of <paramref name="type"/> carry the identifier <c>system|value</c>.</summary>
    public int Count(string type, string key) => _byType.TryGetValue(type, out var keys) ? keys.GetValueOrDefault(key) : 0;

    /// <summary>Per type, the identifier keys held by more than one resource, and how many resources too many.</summary>
    public int Duplicates(string type) => _byType.TryGetValue(type, out var keys) ? keys.Values.Where(n => n > 1).Sum(n => n - 1) : 0;

    /// <summary>Distinct identifier keys of <paramref name="type"/>.</summary>
    public int Distinct(string type) => _byType.TryGetValue(type, out var keys) ? keys.Count : 0;

    /// <summary>Reads every resource of <paramref name="types"/> from <paramref name="fhir"/> (base address the FHIR base), following <c>next</c> links.</summary>
    public static async Task<PeerInventory> ReadAsync(HttpClient fhir, IEnumerable<string> types, CancellationToken cancellationToken = default)
    {
        var inventory = new PeerInventory();
        foreach (var type in types)
        {
            var keys = inventory._byType[type] = new Dictionary<string, int>(StringComparer.Ordinal);
            var total = 0;
            var next = new Uri($"{type}?_count=1000", UriKind.Relative);
            for (var pages = 0; next is not null; pages++)
            {
                if (pages > 10_000)
                {
                    throw new InvalidOperationException($"Paging {type} did not end");
                }
                using var response = await fhir.GetAsync(next, cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"GET {next} answered {(int)response.StatusCode}");
                }
                using var page = JsonDocument.Parse(body);
                next = null;
                if (page.RootElement.TryGetProperty("link", out var links))
                {
                    foreach (var link in links.EnumerateArray())
                    {
                        if (link.GetProperty("relation").GetString() == "next")
                        {
                            next = new Uri(link.GetProperty("url").GetString()!, UriKind.Absolute);
                        }
                    }
                }
                if (!page.RootElement.TryGetProperty("entry", out var entries))
                {
                    continue;
                }
                foreach (var entry in entries.EnumerateArray())
                {
                    total++;
                    if (!entry.GetProperty("resource").TryGetProperty("identifier", out var identifiers))
                    {
                        continue;
                    }
                    foreach (var identifier in identifiers.EnumerateArray())
                    {
                        var key = (identifier.TryGetProperty("system", out var s) ? s.GetString() : "") + "|" +
                                  (identifier.TryGetProperty("value", out var v) ? v.GetString() : "");
                        keys[key] = keys.GetValueOrDefault(key) + 1;
                    }
                }
            }
            inventory.Totals[type] = total;
        }
        return inventory;
    }

    /// <summary>The number of resources of <paramref name="type"/> that the server reports (<c>_summary=count</c>).</summary>
    public static async Task<int> CountAsync(HttpClient fhir, string type, string? query = null, CancellationToken cancellationToken = default)
    {
        var body = await fhir.GetStringAsync(new Uri($"{type}?_summary=count{(query is null ? "" : "&" + query)}", UriKind.Relative), cancellationToken);
        using var bundle = JsonDocument.Parse(body);
        return bundle.RootElement.GetProperty("total").GetInt32();
    }
}
