using System.Text.RegularExpressions;

namespace StmFhir.Core.Tests.Repository;

/// <summary>
/// Finds, in one file's text, references to files outside the repository: the team's design note, the shared folder
/// beside the checkout, a style or terminology note other than the ones in docs/, and relative paths that climb out of
/// the repository root. The repository must stand alone: a reader or a tool that has only the checkout must find
/// everything a file points to.
/// </summary>
internal static partial class OutsideReferences
{
    // Spelled in pieces so that this file does not contain the names it looks for.
    private static readonly string DesignNote = "DESIGN" + ".md";
    private static readonly string[] SharedFolder = [".." + "/shared", "/work" + "/shared"];
    private static readonly string[] DocsNotes = ["docs/STYLE" + ".md", "docs/TERMINOLOGY" + ".md"];

    /// <summary>What is wrong in <paramref name="text"/>, the content of the repository file <paramref name="relativePath"/>.</summary>
    public static IEnumerable<string> In(string relativePath, string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var at = $"{relativePath}:{i + 1}";
            var line = lines[i];
            if (line.Contains(DesignNote, StringComparison.OrdinalIgnoreCase))
            {
                yield return $"{at}: names a design note that is not in the repository";
            }
            foreach (var shared in SharedFolder.Where(s => line.Contains(s, StringComparison.Ordinal)))
            {
                yield return $"{at}: points to {shared}, outside the repository";
            }
            foreach (Match note in NoteName().Matches(line))
            {
                if (!ResolvesTo(relativePath, note.Value, DocsNotes))
                {
                    yield return $"{at}: '{note.Value}' is not docs/STYLE or docs/TERMINOLOGY (write the docs/ path, or a relative link that reaches it)";
                }
            }
            // A Markdown document's links are checked where they are resolved (MarkdownLinkTests); its prose and
            // examples may quote paths relative to other files (a session's "$schema": "../stm-session.schema.json").
            var climbs = relativePath.EndsWith(".md", StringComparison.OrdinalIgnoreCase) ? [] : ClimbingPath().Matches(line).ToList();
            foreach (var climb in climbs)
            {
                if (!RepositoryFiles.IsInside(Path.Combine(Path.GetDirectoryName(RepositoryFiles.FullPath(relativePath))!, climb.Value.Replace('\\', '/'))))
                {
                    yield return $"{at}: '{climb.Value}' leads outside the repository";
                }
            }
        }
    }

    /// <summary>
    /// True when <paramref name="reference"/> names one of <paramref name="targets"/> (repository-relative): read from the
    /// referring file's folder (a relative link), or from the root (a path as comments write it). A bare file name counts
    /// only inside the target's own folder.
    /// </summary>
    private static bool ResolvesTo(string relativePath, string reference, string[] targets)
    {
        var normalized = reference.Replace('\\', '/');
        var folder = Path.GetDirectoryName(relativePath.Replace('/', Path.DirectorySeparatorChar)) ?? "";
        var candidates = new List<string> { Path.Combine(folder, normalized) };
        if (normalized.Contains('/', StringComparison.Ordinal))
        {
            candidates.Add(normalized);
        }
        return candidates
            .Select(c => Path.GetRelativePath(RepoPaths.Root, Path.GetFullPath(Path.Combine(RepoPaths.Root, c))).Replace(Path.DirectorySeparatorChar, '/'))
            .Any(c => targets.Contains(c, StringComparer.Ordinal));
    }

    // A style or terminology note's name with the path written before it, if any.
    [GeneratedRegex(@"(?<![\w.\-/\\])(?:[\w.\-]+[/\\])*(?:STYLE|TERMINOLOGY)\.md", RegexOptions.IgnoreCase)]
    private static partial Regex NoteName();

    // A relative path that starts by going up (../ or ..\), not part of a longer path or URL.
    [GeneratedRegex(@"(?<![\w.\-/\\])(?:\.\.[/\\])+[\w.\-/\\]*")]
    private static partial Regex ClimbingPath();
}
