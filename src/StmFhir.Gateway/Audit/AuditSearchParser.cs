using System.Globalization;
using StmFhir.Exchange.Audit;

namespace StmFhir.Gateway.Audit;

/// <summary>
/// The search parameters of <c>GET /fhir/AuditEvent</c>: <c>date</c> (with <c>eq</c>, <c>ge</c>, <c>gt</c>, <c>le</c>,
/// <c>lt</c>; a day or an instant), <c>patient</c> and <c>entity</c> (a patient, <c>Patient/{id}</c> or, for
/// <c>patient</c>, the bare id), <c>agent</c> and <c>agent-name</c> (the client's name, exactly), <c>subtype</c>,
/// <c>action</c>, <c>outcome</c>, <c>_count</c> and <c>_offset</c>. Comma-separated values are alternatives; a parameter
/// other than <c>date</c> given twice, and any other parameter, is refused with a message naming it.
/// </summary>
internal static class AuditSearchParser
{
    public static (AuditQuery? Query, string? Problem) Parse(IEnumerable<KeyValuePair<string, string>> parameters, int defaultCount, int maxCount)
    {
        var query = new AuditQuery(defaultCount, 0);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, value) in parameters)
        {
            // Each criterion is one column; only date (a range: ge and lt) is useful twice.
            if (name != "date" && !seen.Add(name == "agent-name" ? "agent" : name == "entity" ? "patient" : name))
            {
                return (null, $"Search parameter '{name}' is given twice: give alternatives comma-separated in one");
            }
            var values = value.Split(',', StringSplitOptions.TrimEntries);
            if (values.Any(v => v.Length == 0))
            {
                return (null, $"Search parameter '{name}' has an empty value");
            }
            string? problem;
            (query, problem) = Apply(query, name, value, values, maxCount);
            if (problem is not null)
            {
                return (null, problem);
            }
        }
        return (query, null);
    }

    private static (AuditQuery, string?) Apply(AuditQuery query, string name, string value, string[] values, int maxCount)
    {
        string? problem = null;
        switch (name)
        {
            case "_count" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count):
                query = query with { Count = Math.Min(count, maxCount) };
                break;
            case "_offset" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var offset):
                query = query with { Offset = offset };
                break;
            case "date":
                (query, problem) = Date(query, value);
                break;
            case "patient" or "entity":
                var patients = values.Select(v => Patient(v, name == "patient")).ToList();
                problem = patients.Contains(null) ? $"Search parameter '{name}' takes a patient (Patient/id): the audit trail indexes patients only" : null;
                query = query with { Patients = patients! };
                break;
            case "agent" or "agent-name":
                query = query with { Agents = values };
                break;
            case "subtype":
                var codes = values.Select(v => v.StartsWith(AuditEventBuilder.InteractionSystem + "|", StringComparison.Ordinal) ? v[(v.IndexOf('|') + 1)..] : v).ToList();
                problem = codes.Any(c => c.Contains('|', StringComparison.Ordinal)) ? $"Search parameter 'subtype' takes codes of {AuditEventBuilder.InteractionSystem}" : null;
                query = query with { Subtypes = codes };
                break;
            case "action":
                problem = values.All(v => v is "C" or "R" or "U" or "D" or "E") ? null : "Search parameter 'action' takes C, R, U, D or E";
                query = query with { Actions = values };
                break;
            case "outcome":
                problem = values.All(v => v is "0" or "4" or "8" or "12") ? null : "Search parameter 'outcome' takes 0, 4, 8 or 12";
                query = query with { Outcomes = [.. values.Select(v => int.TryParse(v, CultureInfo.InvariantCulture, out var o) ? o : -1)] };
                break;
            default:
                problem = name is "_count" or "_offset"
                    ? $"Search parameter '{name}' takes a whole number"
                    : $"Search parameter '{name}' is not supported on AuditEvent (supported: date, patient, entity, agent, agent-name, subtype, action, outcome, _count, _offset)";
                break;
        }
        return (query, problem);
    }

    private static string? Patient(string value, bool bareId) => value.StartsWith("Patient/", StringComparison.Ordinal) && value.Length > 8
        ? value
        : bareId && !value.Contains('/', StringComparison.Ordinal) ? "Patient/" + value : null;

    private static (AuditQuery, string?) Date(AuditQuery query, string value)
    {
        var prefix = value.Length > 2 && char.IsAsciiLetterLower(value[0]) ? value[..2] : "eq";
        var text = prefix == "eq" && !value.StartsWith("eq", StringComparison.Ordinal) ? value : value[2..];
        if (Range(text) is not { } range || prefix is not ("eq" or "ge" or "gt" or "le" or "lt"))
        {
            return (query, $"Search parameter 'date' takes [eq|ge|gt|le|lt] and a day (2026-12-06) or an instant with its zone (2026-12-06T10:00:00Z), not '{value}'");
        }
        DateTimeOffset? from = prefix switch { "eq" or "ge" => range.Start, "gt" => range.End, _ => null };
        DateTimeOffset? before = prefix switch { "eq" or "lt" => prefix == "eq" ? range.End : range.Start, "le" => range.End, _ => null };
        return (query with
        {
            From = from is { } f && (query.From is not { } qf || f > qf) ? f : query.From,
            Before = before is { } b && (query.Before is not { } qb || b < qb) ? b : query.Before,
        }, null);
    }

    /// <summary>The instants a day or an instant covers: [start, end).</summary>
    private static (DateTimeOffset Start, DateTimeOffset End)? Range(string text)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            var start = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return (start, start.AddDays(1));
        }
        if (text.Length >= 20 && text.Contains('T', StringComparison.Ordinal) && (text.EndsWith('Z') || text[^6] is '+' or '-')
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            // An instant to the second (or finer) covers that one second, as FHIR's precision rule has it.
            var second = new DateTimeOffset(instant.Ticks - (instant.Ticks % TimeSpan.TicksPerSecond), instant.Offset);
            return (second, second.AddSeconds(1));
        }
        return null;
    }
}
