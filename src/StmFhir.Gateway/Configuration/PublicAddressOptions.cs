namespace StmFhir.Gateway.Configuration;

/// <summary>
/// How the gateway names itself in the absolute URLs it writes (<c>Location</c>, links, <c>fullUrl</c>s, the
/// CapabilityStatement, OpenAPI's servers) and which <c>Host</c> headers it answers: <c>Fhir:PublicBaseUrl</c> and the
/// top-level <c>AllowedHosts</c> (ASP.NET Core's setting, with its syntax). Without a public base URL the request's own
/// scheme and Host make the URLs, so the Host must then be one the operator allows: a client must not be able to put
/// its own host into the links other clients follow.
/// </summary>
internal sealed class PublicAddressOptions
{
    public const string Section = "Fhir";

    /// <summary>The configuration key of <see cref="AllowedHosts"/> (top level, as ASP.NET Core names it).</summary>
    public const string AllowedHostsKey = "AllowedHosts";

    /// <summary>The hosts answered when neither <see cref="AllowedHosts"/> nor <see cref="PublicBaseUrl"/> is set: this machine only.</summary>
    public const string LoopbackHosts = "localhost;127.0.0.1;[::1]";

    /// <summary>
    /// The gateway's address as its clients reach it: scheme, host, port and any path a reverse proxy puts in front,
    /// e.g. <c>https://stm.example-hospital.org/gateway</c> (the FHIR base is then <c>…/gateway/fhir</c>). Every absolute
    /// URL the gateway writes starts with it, whatever Host the request named. The default (none) uses the request's
    /// scheme and Host, limited by <see cref="AllowedHosts"/>.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>
    /// <c>Host</c> header values answered, separated by <c>;</c>, without ports: names (<c>stm.example.org</c>), wildcard
    /// subdomains (<c>*.example.org</c>), IP addresses (IPv6 in brackets), or <c>*</c> for any. Other hosts get 400.
    /// The default is <c>localhost;127.0.0.1;[::1]</c> without <see cref="PublicBaseUrl"/>, and <c>*</c> with it (the
    /// Host is then never written back, so any is safe).
    /// </summary>
    public string? AllowedHosts { get; set; }

    /// <summary><see cref="PublicBaseUrl"/> without a trailing slash; null when not set.</summary>
    public string? BaseUrl => string.IsNullOrWhiteSpace(PublicBaseUrl) ? null : PublicBaseUrl.Trim().TrimEnd('/');

    /// <summary>The allowed hosts in effect (the configured ones, else the default for the configuration).</summary>
    public IReadOnlyList<string> EffectiveAllowedHosts() =>
        (string.IsNullOrWhiteSpace(AllowedHosts) ? BaseUrl is null ? LoopbackHosts : "*" : AllowedHosts)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public IEnumerable<string> Problems()
    {
        if (BaseUrl is { } url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            {
                yield return $"Fhir:PublicBaseUrl must be an absolute http or https URL, e.g. https://stm.example-hospital.org (got '{url}')";
            }
            else if (uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            {
                yield return "Fhir:PublicBaseUrl must not carry a query, a fragment or user information";
            }
        }
        var hosts = EffectiveAllowedHosts();
        if (hosts.Count == 0)
        {
            yield return "AllowedHosts names no host: every request would be refused";
        }
        foreach (var host in hosts)
        {
            // An IPv6 address is written in brackets; a colon anywhere else is a port, which host filtering never sees.
            var outsideBrackets = host.StartsWith('[') ? host[(host.IndexOf(']', StringComparison.Ordinal) + 1)..] : host;
            if (host.Contains('/', StringComparison.Ordinal) || outsideBrackets.Contains(':', StringComparison.Ordinal))
            {
                yield return $"AllowedHosts takes host names without scheme, path or port, separated by ';' (got '{host}')";
            }
        }
    }
}
