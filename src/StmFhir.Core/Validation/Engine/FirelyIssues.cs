using System.Collections;
using System.Text;
using System.Text.RegularExpressions;
using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation.Engine;

/// <summary>Turns the Firely validator's OperationOutcome into <see cref="ValidationIssue"/>s with clean FHIRPath expressions.</summary>
internal static partial class FirelyIssues
{
    private const string FirelyIssueSystem = "http://hl7.org/fhir/dotnet-api-operation-outcome";

    public static IEnumerable<ValidationIssue> From(OperationOutcome outcome, Resource instance)
    {
        foreach (var issue in outcome.Issue)
        {
            var number = issue.Details?.Coding.FirstOrDefault(c => c.System == FirelyIssueSystem)?.Code
                ?? issue.Details?.Coding.FirstOrDefault()?.Code;
            var location = issue.Expression.FirstOrDefault() ?? issue.Location.FirstOrDefault();
            yield return new ValidationIssue(
                issue.Severity ?? OperationOutcome.IssueSeverity.Error,
                number is null ? "FIRELY" : "FIRELY-" + number,
                location is null ? null : Normalize(location, instance),
                Message(issue.Details?.Text ?? issue.Diagnostics ?? "(no message)"),
                issue.Code ?? OperationOutcome.IssueType.Invalid);
        }
    }

    /// <summary>
    /// Firely's message, cut only when longer than <see cref="MessageText.MaxMessageLength"/>: Firely shortens the
    /// values it quotes itself (a value failing its regex: 100 characters and its length), and its regexes are long.
    /// </summary>
    private static string Message(string text) => text.Length > MessageText.MaxMessageLength ? MessageText.Shorten(text) : text;

    /// <summary>
    /// Firely writes an index after every element (<c>Bundle.entry[3].resource[0].status[0]</c>) and names choice
    /// elements by their stem (<c>value</c>); readers expect an index only on repeating elements and the JSON name of a
    /// choice (<c>Bundle.entry[3].resource.valueQuantity.value</c>). Walks the instance to tell them apart.
    /// </summary>
    internal static string Normalize(string location, Resource instance)
    {
        var segments = location.Split('.');
        if (segments.Length == 0 || StripIndex(segments[0]).Name != instance.TypeName)
        {
            return location;
        }
        var result = new StringBuilder(instance.TypeName);
        object? current = instance;
        foreach (var segment in segments.Skip(1))
        {
            var (name, index) = StripIndex(segment);
            var (value, elementName) = Child(current, name);
            if (value is IList list)
            {
                result.Append('.').Append(elementName ?? name).Append('[').Append(index ?? 0).Append(']');
                current = index is { } i && i < list.Count ? list[i] : null;
            }
            else
            {
                result.Append('.').Append(elementName ?? name);
                if (value is null && index is > 0)
                {
                    result.Append('[').Append(index).Append(']');
                }
                current = value;
            }
        }
        return result.ToString();
    }

    private static (object? Value, string? Name) Child(object? parent, string name)
    {
        if (parent is not Base element)
        {
            return (null, null);
        }
        if (element.TryGetValue(name, out var value))
        {
            // A choice element (value[x]) is named by its type, as in JSON: valueQuantity, performedPeriod.
            var mapping = ModelInfo.ModelInspector.FindClassMapping(element.GetType())?.FindMappedElementByName(name);
            return mapping?.Choice == Hl7.Fhir.Introspection.ChoiceType.DatatypeChoice && value is Base typed
                ? (value, name + char.ToUpperInvariant(typed.TypeName[0]) + typed.TypeName[1..])
                : (value, name);
        }
        // A choice element: Firely names it by its type (valueQuantity), the POCO by its stem (value).
        foreach (var (key, child) in element.EnumerateElements())
        {
            if (name.StartsWith(key, StringComparison.Ordinal) && child is Base typed
                && string.Equals(name[key.Length..], typed.TypeName, StringComparison.OrdinalIgnoreCase))
            {
                return (child, name);
            }
        }
        return (null, null);
    }

    private static (string Name, int? Index) StripIndex(string segment)
    {
        var match = IndexPattern().Match(segment);
        return match.Success ? (match.Groups[1].Value, int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)) : (segment, null);
    }

    [GeneratedRegex(@"^(.*)\[(\d+)\]$")]
    private static partial Regex IndexPattern();
}
