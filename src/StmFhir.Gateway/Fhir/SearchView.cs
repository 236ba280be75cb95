using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using StmFhir.Core.Mapping;
using StmFhir.Exchange.Store;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// What of each resource a search answers with: all of it (the stored JSON as is), or, for <c>_summary</c> (true, text,
/// data) and <c>_elements</c>, the part Firely's serialization filters keep, marked with the SUBSETTED tag.
/// </summary>
internal sealed class SearchView
{
    private const string SubsettedSystem = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";

    private static readonly BaseFhirJsonSerializer s_serializer = new(ModelInfo.ModelInspector);

    private readonly Func<SerializationFilter>? _filter;

    private SearchView(Func<SerializationFilter>? filter, bool countOnly)
    {
        _filter = filter;
        CountOnly = countOnly;
    }

    /// <summary>True for <c>_summary=count</c>: the total only, no entries.</summary>
    public bool CountOnly { get; }

    /// <summary>The view the request's <c>_summary</c> and <c>_elements</c> ask for, or a problem naming the parameter.</summary>
    public static SearchView? Of(IReadOnlyList<KeyValuePair<string, string>> parameters, out string? problem)
    {
        problem = null;
        var summary = parameters.LastOrDefault(p => p.Key == "_summary").Value;
        var elements = parameters.Where(p => p.Key == "_elements").SelectMany(p => p.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
        if (summary is not null && elements.Length > 0 && summary != "false")
        {
            problem = "_summary and _elements: use one or the other";
            return null;
        }
        switch (summary)
        {
            case null or "false":
                // meta always, for the SUBSETTED tag that tells a client the resource is not whole.
                return new SearchView(elements.Length > 0 ? SerializationFilter.ForElementsFactory([.. elements.Append("id").Append("meta").Distinct()]) : null, false);
            case "count":
                return new SearchView(null, true);
            case "true":
                return new SearchView(SerializationFilter.ForSummary, false);
            case "text":
                return new SearchView(SerializationFilter.ForText, false);
            case "data":
                return new SearchView(SerializationFilter.ForData, false);
            default:
                problem = $"_summary: '{(summary.Length <= 40 ? summary : summary[..40] + "...")}' is not one of true, false, text, data, count";
                return null;
        }
    }

    /// <summary>A resource's JSON in this view; null when the view is the stored JSON itself.</summary>
    public Func<StoredResource, string>? Json => _filter is null ? null : Subset;

    private string Subset(StoredResource stored)
    {
        var resource = JsonSerializer.Deserialize<Resource>(stored.Json, FhirJson.Lenient)!;
        resource.Meta ??= new Meta();
        resource.Meta.Tag.Add(new Coding(SubsettedSystem, "SUBSETTED"));
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            s_serializer.Serialize(resource, writer, _filter);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
