using Hl7.Fhir.Model;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Mapping;

/// <summary>
/// Points a validation issue on a session's Bundle back at the session field it came from: the entry an issue's
/// FHIRPath names (<c>Bundle.entry[4]...</c>) is recognised by its full URL, which the mapper derives from the session's
/// keys (<see cref="SessionKeys.SourcePaths"/>), e.g. the second pain score's Observation is <c>$.painScores[1]</c>.
/// </summary>
public sealed class StmSourcePaths
{
    private const string EntryPrefix = "Bundle.entry[";

    private readonly Bundle _bundle;
    private readonly Dictionary<string, string> _byFullUrl;

    /// <param name="session">The session <paramref name="bundle"/> was mapped from.</param>
    /// <param name="bundle">The session's Bundle (<see cref="StmBundleMapper.ToBundle"/>), whose issues are to be placed.</param>
    public StmSourcePaths(StmSession session, Bundle bundle)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(bundle);
        _bundle = bundle;
        _byFullUrl = SessionKeys.SourcePaths(session).ToDictionary(p => p.FullUrl, p => p.Path, StringComparer.Ordinal);
    }

    /// <summary>
    /// The JSON path of the session field an issue at FHIRPath <paramref name="expression"/> came from, or null when the
    /// expression names no entry of the Bundle or an entry the session did not make.
    /// </summary>
    public string? For(string? expression)
    {
        if (expression is null || !expression.StartsWith(EntryPrefix, StringComparison.Ordinal))
        {
            return null;
        }
        var digits = expression.AsSpan(EntryPrefix.Length);
        var end = digits.IndexOf(']');
        if (end <= 0 || !int.TryParse(digits[..end], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
            || index >= _bundle.Entry.Count || _bundle.Entry[index].FullUrl is not { } fullUrl)
        {
            return null;
        }
        return _byFullUrl.GetValueOrDefault(fullUrl);
    }
}
