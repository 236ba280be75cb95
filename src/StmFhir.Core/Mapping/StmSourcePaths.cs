using System.Text.RegularExpressions;
using Hl7.Fhir.Model;

namespace StmFhir.Core.Mapping;

/// <summary>
/// Points a validation issue on a session's Bundle back at the session field it came from: the entry an issue's
/// FHIRPath names is recognised by its resource type and business identifier (MAPPING.md, "Identity"), e.g.
/// <c>Bundle.entry[4]...</c> on the pain Observation <c>{sessionId}/pain/1</c> is <c>$.painScores[1]</c>.
/// </summary>
public static partial class StmSourcePaths
{
    /// <summary>The session field an issue on <paramref name="bundle"/> at FHIRPath <paramref name="expression"/> came from, or null.</summary>
    public static string? For(Bundle bundle, string? expression)
    {
        if (expression is null || EntryIndex().Match(expression) is not { Success: true } match)
        {
            return null;
        }
        var index = int.Parse(match.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture);
        if (index >= bundle.Entry.Count || bundle.Entry[index].Resource is not { } resource)
        {
            return null;
        }
        var key = (resource as IIdentifiable<List<Identifier>>)?.Identifier.Select(i => i.Value).FirstOrDefault(v => v is not null) ?? "";
        var kind = KindIndex().Match(key);
        string? Indexed(string kindName, string path) =>
            kind.Success && kind.Groups[1].Value == kindName ? $"{path}[{kind.Groups[2].Value}]" : null;
        return resource switch
        {
            Patient => "$.patient",
            Practitioner => "$.clinician",
            Procedure => "$",
            Observation => Indexed("pain", "$.painScores") ?? Indexed("rom", "$.romMeasurements"),
            Condition => Indexed("finding", "$.screening.findings"),
            MedicationStatement => Indexed("medication", "$.screening.medications"),
            RiskAssessment => "$.screening",
            _ => null,
        };
    }

    [GeneratedRegex(@"^Bundle\.entry\[(\d+)\]")]
    private static partial Regex EntryIndex();

    [GeneratedRegex(@"/(pain|rom|finding|medication)/(\d+)$")]
    private static partial Regex KindIndex();
}
