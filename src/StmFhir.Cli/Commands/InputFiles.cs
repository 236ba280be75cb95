using System.Text.RegularExpressions;

namespace StmFhir.Cli.Commands;

/// <summary>
/// Expands the paths given to <c>validate</c>: files, folders (recursively) and glob patterns. Folders and patterns
/// yield .json and .xml files but not the <c>.expected.json</c> files of samples/invalid.
/// </summary>
internal static class InputFiles
{
    private static readonly string[] s_extensions = [".json", ".xml"];

    /// <summary>The files, in the order given (each folder and pattern sorted), and the paths that matched nothing.</summary>
    public static (List<string> Files, List<string> Missing) Expand(IEnumerable<string> paths)
    {
        var files = new List<string>();
        var missing = new List<string>();
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                files.Add(path);
            }
            else if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Where(IsFhirFile).Order(StringComparer.Ordinal));
            }
            else if (path.IndexOfAny(['*', '?']) >= 0 && Glob(path).Where(IsFhirFile).ToList() is { Count: > 0 } matches)
            {
                files.AddRange(matches);
            }
            else
            {
                missing.Add(path);
            }
        }
        return (files, missing);
    }

    private static bool IsFhirFile(string file) =>
        s_extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase)
        && !Path.GetFileName(file).EndsWith(".expected.json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Patterns the shell did not expand (quoted): <c>*</c> and <c>?</c> within a name, <c>**</c> for any folders.</summary>
    private static List<string> Glob(string pattern)
    {
        var normalized = pattern.Replace('\\', '/');
        var segments = normalized.Split('/');
        var fixedCount = segments.TakeWhile(s => s.IndexOfAny(['*', '?']) < 0).Count();
        var root = fixedCount == 0 ? "." : string.Join('/', segments.Take(fixedCount));
        if (normalized.StartsWith('/') && fixedCount == 1)
        {
            root = "/";
        }
        if (!Directory.Exists(root))
        {
            return [];
        }
        var rest = segments.Skip(fixedCount).ToList();
        var expression = new System.Text.StringBuilder("^");
        for (var i = 0; i < rest.Count; i++)
        {
            if (rest[i] == "**")
            {
                expression.Append("(?:.*/)?");
                continue;
            }
            expression.Append(ToRegex(rest[i])).Append(i < rest.Count - 1 ? "/" : "");
        }
        var regex = new Regex(expression.Append('$').ToString());
        return [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => regex.IsMatch(Path.GetRelativePath(root, f).Replace('\\', '/')))
            .Order(StringComparer.Ordinal)];
    }

    private static string ToRegex(string segment) =>
        Regex.Escape(segment).Replace(@"\*", "[^/]*", StringComparison.Ordinal).Replace(@"\?", "[^/]", StringComparison.Ordinal);
}
