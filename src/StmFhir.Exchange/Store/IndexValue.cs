using Hl7.Fhir.Model;

namespace StmFhir.Exchange.Store;

/// <summary>
/// One row of the search index: a token (<see cref="System"/>, <see cref="Value"/>), a reference (<see cref="System"/> =
/// target type, <see cref="Value"/> = target id) or a date range (<see cref="Low"/>..<see cref="High"/>, Unix ms, inclusive).
/// </summary>
internal sealed record IndexValue(string System, string Value, long? Low, long? High)
{
    public static IndexValue Token(string? system, string code) => new(system ?? "", code, null, null);

    /// <summary>A relative (<c>Type/id</c>) or absolute reference as type and id; null for anything else (e.g. urn:uuid).</summary>
    public static IndexValue? Reference(ResourceReference? reference)
    {
        if (reference?.Reference is not { } value || value.StartsWith("urn:", StringComparison.Ordinal) || value.StartsWith('#'))
        {
            return null;
        }
        var history = value.IndexOf("/_history/", StringComparison.Ordinal);
        var parts = (history >= 0 ? value[..history] : value).Split('/');
        return parts.Length >= 2 && parts[^2].Length > 0 && parts[^1].Length > 0 ? new IndexValue(parts[^2], parts[^1], null, null) : null;
    }

    /// <summary>A dateTime, date, instant or Period as an inclusive range; null when absent or unreadable.</summary>
    public static IndexValue? Date(DataType? value)
    {
        (long Low, long High)? range = value switch
        {
            FhirDateTime d => FhirDates.Range(d.Value),
            Date d => FhirDates.Range(d.Value),
            // The text, not Instant.Value: a DateTimeOffset cannot hold every FHIR instant (FhirDates).
            Instant i => FhirDates.Range(i.JsonValue as string),
            Period p => PeriodRange(p),
            _ => null,
        };
        return range is { } r ? new IndexValue("", "", r.Low, r.High) : null;
    }

    private static (long, long)? PeriodRange(Period period)
    {
        var start = FhirDates.Range(period.Start);
        var end = FhirDates.Range(period.End);
        return start is null && end is null ? null : (start?.Low ?? long.MinValue, end?.High ?? long.MaxValue);
    }
}
