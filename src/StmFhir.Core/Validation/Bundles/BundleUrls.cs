using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation.Input;

namespace StmFhir.Core.Validation.Bundles;

/// <summary>
/// What the FHIR R4 specification says a Bundle's URLs look like: absolute URIs, RESTful URLs
/// (<c>[base]/Type/id</c>, the pattern of R4 references.html) and version-specific references.
/// </summary>
internal static partial class BundleUrls
{
    private const string History = "/_history/";

    /// <summary>
    /// Whether a value Firely reads as a URI is absolute: it has a scheme (RFC 3986), and an http(s) URL also a host.
    /// Whether it is a URI at all (and the syntax of <c>urn:uuid:</c> and <c>urn:oid:</c>) is Firely's to report.
    /// </summary>
    public static bool IsAbsolute(string value)
    {
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon < 1 || colon == value.Length - 1 || !Scheme().IsMatch(value.AsSpan(0, colon)))
        {
            return false;
        }
        var scheme = value.AsSpan(0, colon);
        return !(scheme.Equals("http", StringComparison.OrdinalIgnoreCase) || scheme.Equals("https", StringComparison.OrdinalIgnoreCase))
            || HasHost(value.AsSpan(colon + 1));
    }

    // RFC 9110: an http(s) URI has an authority with a host ("http:/x" and "http:///x" have none).
    private static bool HasHost(ReadOnlySpan<char> afterScheme)
    {
        if (!afterScheme.StartsWith("//", StringComparison.Ordinal))
        {
            return false;
        }
        var authority = afterScheme[2..];
        var end = authority.IndexOfAny('/', '?', '#');
        authority = end < 0 ? authority : authority[..end];
        var at = authority.LastIndexOf('@');
        var host = at < 0 ? authority : authority[(at + 1)..];
        if (!host.StartsWith('['))
        {
            var port = host.IndexOf(':');
            host = port < 0 ? host : host[..port];
        }
        return host.Length > 0;
    }

    /// <summary>A value that is a URI by Firely's reading (it reports the others, FIRELY-1006).</summary>
    public static bool IsUri(string value) => FhirUri.IsValidValue(value);

    /// <summary>
    /// A RESTful URL, <c>http(s)://[base]/Type/id</c> (optionally <c>/_history/version</c>), split into its base (ending
    /// in <c>/</c>), type, id and version; false for any other value. The type must be an R4 resource type.
    /// </summary>
    public static bool TryRestful(string value, out string root, out string type, out string id, out string? version)
    {
        (root, type, id, version) = ("", "", "", null);
        // Cheap refusals first: most full URLs are urn:uuid, and a Match allocates.
        if (!value.StartsWith("http", StringComparison.Ordinal) || Restful().Match(value) is not { Success: true } match
            || !ResourceTypeNames.IsConcrete(match.Groups["type"].ValueSpan))
        {
            return false;
        }
        root = match.Groups["root"].Value;
        type = match.Groups["type"].Value;
        id = match.Groups["id"].Value;
        version = match.Groups["version"].Success ? match.Groups["version"].Value : null;
        return true;
    }

    /// <summary>A relative reference <c>Type/id</c> (optionally <c>/_history/version</c>) to an R4 resource type.</summary>
    public static bool IsRelativeRestful(string reference) =>
        RelativeRestful().IsMatch(reference) && ResourceTypeNames.IsConcrete(reference.AsSpan(0, reference.IndexOf('/', StringComparison.Ordinal)));

    /// <summary>A reference without its <c>/_history/version</c>, and that version (null when it names none).</summary>
    public static (string Url, string? Version) SplitVersion(string reference)
    {
        var at = reference.IndexOf(History, StringComparison.Ordinal);
        return at < 0 ? (reference, null) : (reference[..at], reference[(at + History.Length)..]);
    }

    /// <summary>A reference that only a Bundle entry can resolve: <c>urn:uuid:</c> or <c>urn:oid:</c>.</summary>
    public static bool IsUrn(string reference) =>
        reference.StartsWith("urn:uuid:", StringComparison.Ordinal) || reference.StartsWith("urn:oid:", StringComparison.Ordinal);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Scheme();

    // R4 references.html, "RESTful URL regex": ((http|https)://([A-Za-z0-9\-\\\.\:\%\$]*\/)+)?(Type)\/[A-Za-z0-9\-\.]{1,64}(\/_history\/[A-Za-z0-9\-\.]{1,64})?
    [GeneratedRegex(@"^(?<root>https?://([A-Za-z0-9\-\\.:%$]*/)+)(?<type>[A-Z][A-Za-z]+)/(?<id>[A-Za-z0-9\-.]{1,64})(/_history/(?<version>[A-Za-z0-9\-.]{1,64}))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Restful();

    [GeneratedRegex(@"^[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}(/_history/[A-Za-z0-9\-.]{1,64})?$", RegexOptions.CultureInvariant)]
    private static partial Regex RelativeRestful();
}
