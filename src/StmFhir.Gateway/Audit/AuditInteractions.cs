using StmFhir.Exchange.Store;

namespace StmFhir.Gateway.Audit;

/// <summary>
/// Which requests are accesses to patient data, and as which RESTful interaction (BALP: subtype from
/// <c>http://hl7.org/fhir/restful-interaction</c>, action C/R/U/D/E). Read from the method and path alone, before the
/// request runs, so that the bodies can be watched for the patients they name.
/// </summary>
internal static class AuditInteractions
{
    private static readonly HashSet<string> s_types = new(SearchParameterCatalog.ResourceTypes, StringComparer.Ordinal);

    /// <summary>
    /// The interaction of a request: a patient-data one (read, vread, history, search, create, update, delete, a transaction or
    /// batch, an STM session, an operation on a stored resource), or one audited only when refused: <c>$validate</c>
    /// (which stores and reads nothing), reading the audit trail, and every other path (the exchange status, the package),
    /// with no subtype when it is no FHIR interaction.
    /// </summary>
    public static AuditInteraction Of(string method, string path) =>
        PatientDataOrFhir(method == "HEAD" ? "GET" : method, path) ?? new("", "E", PatientData: false);

    private static AuditInteraction? PatientDataOrFhir(string method, string path)
    {
        if (path == "/stm/sessions" && method == "POST")
        {
            // A session is stored as one FHIR transaction; its action (create or update) is settled by the answer.
            return new("transaction", "C", PatientData: true);
        }
        if (!path.StartsWith("/fhir", StringComparison.Ordinal) || (path.Length > 5 && path[5] != '/'))
        {
            return null;
        }
        var segments = path.Length <= 6 ? [] : path[6..].Split('/');
        if (segments.Length == 0 || segments is [""])
        {
            return method == "POST" ? new("transaction", "E", PatientData: true) : null;
        }
        if (segments is ["_history"])
        {
            return method == "GET" ? new("history-system", "R", PatientData: true) : null;
        }
        if (segments[^1].StartsWith('$'))
        {
            return new("operation", "E", PatientData: segments[^1] != "$validate" && s_types.Contains(segments[0]));
        }
        if (segments[0] == "AuditEvent")
        {
            return new(segments.Length == 1 ? "search-type" : "read", segments.Length == 1 ? "E" : "R", PatientData: false);
        }
        if (!s_types.Contains(segments[0]))
        {
            return null;
        }
        return (method, segments.Length) switch
        {
            ("GET", 1) => new("search-type", "E", true),
            ("POST", 1) => new("create", "C", true),
            ("POST", 2) when segments[1] == "_search" => new("search-type", "E", true),
            ("GET", 2) when segments[1] == "_history" => new("history-type", "R", true),
            ("GET", 2) => new("read", "R", true),
            ("PUT", 1) => new("update", "U", true), // conditional update: the query names the resource
            ("PUT", 2) => new("update", "U", true),
            ("PATCH", 2) => new("patch", "U", true),
            ("DELETE", 1) => new("delete", "D", true), // conditional delete: the query names the resource
            ("DELETE", 2) => new("delete", "D", true),
            ("GET", 3) when segments[2] == "_history" => new("history-instance", "R", true),
            ("GET", 4) when segments[2] == "_history" => new("vread", "R", true),
            _ => null,
        };
    }

    /// <summary>The resource a path addresses (<c>Type/id</c> or <c>Type/id/_history/n</c>), or null.</summary>
    public static string? Target(string path)
    {
        var segments = path.StartsWith("/fhir/", StringComparison.Ordinal) ? path[6..].Split('/') : [];
        return segments.Length is 2 or 4 && !segments[1].StartsWith('_') && !segments[^1].StartsWith('$') ? string.Join('/', segments) : null;
    }

    /// <summary>The id in a <c>/fhir/Patient/{id}...</c> path, or null.</summary>
    public static string? PatientInPath(string path) =>
        path.StartsWith("/fhir/Patient/", StringComparison.Ordinal) && path["/fhir/Patient/".Length..].Split('/')[0] is { Length: > 0 } id && !id.StartsWith('$')
            ? id
            : null;
}
