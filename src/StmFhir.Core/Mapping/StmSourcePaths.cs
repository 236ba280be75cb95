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
        return _byFullUrl.GetValueOrDefault(fullUrl) is { } path ? Field(path, expression.AsSpan(EntryPrefix.Length + end + 1)) : null;
    }

    // The session field an element of an entry came from, where one field did (the rest of the expression after
    // "Bundle.entry[n]"); otherwise the entry's own path. Only elements the mapper fills from one field are named.
    private static readonly (string Entry, string Element, string Field)[] s_fields =
    [
        ("$", ".resource.complication[", "complications["),
        ("$", ".resource.bodySite[", "regions["),
        ("$", ".resource.reasonCode[", "indications["),
        ("$", ".resource.performedPeriod.start", "start"),
        ("$", ".resource.performedPeriod.end", "end"),
        ("$", ".resource.status", "status"),
        ("$.painScores[", ".resource.valueInteger", "score"),
        ("$.painScores[", ".resource.effectiveDateTime", "takenAt"),
        ("$.painScores[", ".resource.bodySite", "site"),
        ("$.romMeasurements[", ".resource.valueQuantity", "degrees"),
        ("$.romMeasurements[", ".resource.effectiveDateTime", "takenAt"),
        ("$.romMeasurements[", ".resource.bodySite", "joint"),
        ("$.screening", ".resource.occurrenceDateTime", "performedAt"),
        ("$.screening", ".resource.extension", "result"),
    ];

    private static string Field(string entryPath, ReadOnlySpan<char> element)
    {
        foreach (var (entry, prefix, field) in s_fields)
        {
            if (!(entry == "$" ? entryPath == "$" : entryPath.StartsWith(entry, StringComparison.Ordinal)) || !element.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            if (!field.EndsWith('['))
            {
                if (element.Length > prefix.Length && element[prefix.Length] is not ('.' or '['))
                {
                    continue; // status is not statusReason
                }
                return entryPath == "$" ? "$." + field : entryPath + "." + field;
            }
            // An indexed element (complication[2]) is the same index of the session's list.
            var rest = element[prefix.Length..];
            var close = rest.IndexOf(']');
            return close > 0 ? $"$.{field}{rest[..close]}]" : entryPath;
        }
        return entryPath;
    }
}
