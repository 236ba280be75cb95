using System.Text.RegularExpressions;

namespace StmFhir.Core.Tests.Repository;

/// <summary>
/// Sizes in C# source as the code base writes it (four-space indents, braces on lines of their own): lines per file,
/// per partial type across its files, and per method.
/// </summary>
internal static partial class CodeSize
{
    /// <summary>The types a file declares <c>partial</c>.</summary>
    public static IEnumerable<string> PartialTypes(string text) => PartialType().Matches(text).Select(m => m.Groups["name"].Value).Distinct();

    /// <summary>The number of lines of <paramref name="text"/>.</summary>
    public static int Lines(string text) => text.Split('\n').Length - (text.EndsWith('\n') ? 1 : 0);

    /// <summary>
    /// Each method, constructor or operator with a block body: its name, the line of its signature (1-based), its length
    /// from the signature to the closing brace, and whether a <c>// Long method:</c> comment just above it says why it is long.
    /// </summary>
    public static IEnumerable<(string Name, int Line, int Length, bool Explained)> Methods(string text)
    {
        var lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (MemberSignature().Match(lines[i]) is not { Success: true } signature || TypeKeyword().IsMatch(lines[i][..lines[i].IndexOf('(', StringComparison.Ordinal)]))
            {
                continue;
            }
            var indent = signature.Groups["indent"].Value;
            var open = BodyStart(lines, i, indent);
            if (open < 0)
            {
                continue;
            }
            var close = Array.FindIndex(lines, open + 1, l => l == indent + "}");
            if (close < 0)
            {
                continue;
            }
            yield return (signature.Groups["name"].Value, i + 1, close - i + 1, IsExplained(lines, i));
            i = close;
        }
    }

    // The line of the opening brace at the signature's indent: after the signature, or after its wrapped parameters.
    private static int BodyStart(string[] lines, int signature, string indent)
    {
        for (var j = signature; j < Math.Min(lines.Length, signature + 12); j++)
        {
            if (j > signature && lines[j] == indent + "{")
            {
                return j;
            }
            if (lines[j].TrimEnd().EndsWith(';') || lines[j].Contains("=>", StringComparison.Ordinal))
            {
                return -1;
            }
        }
        return -1;
    }

    // The comments and attributes right above a signature hold "// Long method: <why>".
    private static bool IsExplained(string[] lines, int signature)
    {
        for (var j = signature - 1; j >= 0 && (lines[j].TrimStart().StartsWith("//", StringComparison.Ordinal) || lines[j].TrimStart().StartsWith('[')); j--)
        {
            if (lines[j].TrimStart().StartsWith("// Long method:", StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    [GeneratedRegex(@"\bpartial\s+(?:class|struct|interface|record(?:\s+(?:class|struct))?)\s+(?<name>\w+)")]
    private static partial Regex PartialType();

    // A member declaration: modifiers, then a return type (or none, for a constructor), a name and an open parenthesis.
    [GeneratedRegex(@"^(?<indent>\s*)(?:(?:public|private|protected|internal|static|async|override|virtual|sealed|abstract|extern|unsafe|new|partial|readonly)\s+)+(?:[\w<>\[\]?,.() ]+?\s+)??(?:operator\s*\S+|(?<name>\w+))(?:<[^>]*>)?\(")]
    private static partial Regex MemberSignature();

    [GeneratedRegex(@"\b(?:class|struct|interface|record|enum|delegate)\b")]
    private static partial Regex TypeKeyword();
}
