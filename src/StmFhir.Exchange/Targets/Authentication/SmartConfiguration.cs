using System.Text.Json;
using System.Text.RegularExpressions;

namespace StmFhir.Exchange.Targets.Authentication;

/// <summary>
/// What a server's <c>/.well-known/smart-configuration</c> says, as far as a backend client needs it: the token
/// endpoint, and whether it speaks SMART v2 scopes. Plain JSON: servers add members of their own.
/// </summary>
/// <param name="TokenEndpoint">The <c>token_endpoint</c>, null if absent or not an absolute http(s) URL.</param>
/// <param name="V2Scopes">True when <c>capabilities</c> lists <c>permission-v2</c> or <c>scopes_supported</c> lists a v2 scope.</param>
internal sealed partial record SmartConfiguration(Uri? TokenEndpoint, bool V2Scopes)
{
    /// <summary>The discovery document's path under a FHIR base.</summary>
    public const string Path = ".well-known/smart-configuration";

    /// <summary>
    /// The resource types StmFhir writes (push: the session's resources, the patient and clinician it resolves, and the
    /// delivery's Provenance) and reads (pull, version reads before writing).
    /// </summary>
    public static readonly IReadOnlyList<string> ExchangedTypes =
        ["Condition", "DetectedIssue", "MedicationStatement", "Observation", "Patient", "Practitioner", "Procedure", "Provenance", "RiskAssessment"];

    /// <summary>The document in <paramref name="json"/>; throws <see cref="JsonException"/> if it is not a JSON object.</summary>
    public static SmartConfiguration Read(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("The smart-configuration is not a JSON object");
        }
        Uri? endpoint = null;
        if (root.TryGetProperty("token_endpoint", out var value) && value.ValueKind == JsonValueKind.String
            && Uri.TryCreate(value.GetString(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            endpoint = uri;
        }
        var v2 = Strings(root, "capabilities").Contains("permission-v2") || Strings(root, "scopes_supported").Any(s => V2Scope().IsMatch(s));
        return new SmartConfiguration(endpoint, v2);
    }

    /// <summary>
    /// The default scopes: read, search, create and update on <see cref="ExchangedTypes"/>; v2 <c>system/T.crus</c>,
    /// or v1 <c>system/T.read system/T.write</c> for a server that does not advertise v2.
    /// </summary>
    public static string DefaultScope(bool v2) =>
        string.Join(' ', ExchangedTypes.SelectMany(type => v2 ? [$"system/{type}.crus"] : new[] { $"system/{type}.read", $"system/{type}.write" }));

    private static IEnumerable<string> Strings(JsonElement root, string name) =>
        root.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)
            : [];

    // A v2 permission: the letters c, r, u, d, s in that order (v1 ends in read, write or *).
    [GeneratedRegex(@"^(system|user|patient)/[A-Za-z*]+\.(?=[cruds])c?r?u?d?s?(\?.*)?$")]
    private static partial Regex V2Scope();
}
