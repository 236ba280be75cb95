using System.Text.RegularExpressions;

namespace StmFhir.Exchange.Tests.Architecture;

/// <summary>
/// Which folders of a project's source refer to which others, read from the text of its files: <c>using</c> directives
/// and fully qualified names (<c>StmFhir.Exchange.Outbox.X</c>), names qualified from the parent namespace
/// (<c>Outbox.OutboxPayload</c>), and names of the types declared at the project's root, which every folder sees without
/// a <c>using</c>. Code and <c>cref</c>s count; comments and string literals do not. Each folder is a namespace
/// (<c>Store/</c> is <c>StmFhir.Exchange.Store</c>); the project's root is <see cref="Root"/>.
/// </summary>
internal static partial class FolderDependencies
{
    public const string Root = "(root)";

    /// <summary>Per folder, the other folders it refers to; <paramref name="sources"/> by path relative to the project.</summary>
    public static IReadOnlyDictionary<string, SortedSet<string>> Of(string rootNamespace, IReadOnlyDictionary<string, string> sources)
    {
        var code = sources.ToDictionary(s => s.Key, s => CodeAndCrefs(s.Value), StringComparer.Ordinal);
        var folders = sources.Keys.Select(FolderOf).ToHashSet(StringComparer.Ordinal);
        var declared = folders.ToDictionary(f => f, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var (path, text) in code)
        {
            declared[FolderOf(path)].UnionWith(TypeDeclaration().Matches(text).Select(m => m.Groups["name"].Value));
        }
        var qualified = new Regex(Regex.Escape(rootNamespace + ".") + @"(?<folder>\w+)\b");
        var graph = folders.ToDictionary(f => f, _ => new SortedSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        foreach (var (path, text) in code)
        {
            var folder = FolderOf(path);
            var refers = qualified.Matches(text).Select(m => m.Groups["folder"].Value).Where(folders.Contains).ToHashSet(StringComparer.Ordinal);
            // From a sibling namespace a folder's types can be named by the folder alone: Outbox.OutboxPayload.
            refers.UnionWith(PartlyQualified().Matches(text)
                .Where(m => folders.Contains(m.Groups["folder"].Value) && declared[m.Groups["folder"].Value].Contains(m.Groups["type"].Value))
                .Select(m => m.Groups["folder"].Value));
            if ((declared.GetValueOrDefault(Root) ?? []).Except(declared[folder]).Any(type => Regex.IsMatch(text, $@"(?<![\w.]){Regex.Escape(type)}\b")))
            {
                refers.Add(Root);
            }
            refers.Remove(folder);
            graph[folder].UnionWith(refers);
        }
        return graph;
    }

    /// <summary>A cycle of the graph (its folders in order, the first repeated at the end), or null when it has none.</summary>
    public static IReadOnlyList<string>? FindCycle(IReadOnlyDictionary<string, SortedSet<string>> graph)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // absent: not seen; 1: on the path; 2: done
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph.GetValueOrDefault(node) ?? [])
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    return [.. path.Skip(path.IndexOf(next)), next];
                }
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } cycle)
                {
                    return cycle;
                }
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle)
            {
                return cycle;
            }
        }
        return null;
    }

    /// <summary>The folder of a path relative to the project (its first segment), or <see cref="Root"/> for a file at the root.</summary>
    public static string FolderOf(string relativePath)
    {
        var parts = relativePath.Replace('\\', '/').Split('/');
        return parts.Length > 1 ? parts[0] : Root;
    }

    /// <summary>The text without string literals and comments, followed by the comments' <c>cref</c>s.</summary>
    public static string CodeAndCrefs(string text)
    {
        var crefs = Cref().Matches(text).Select(m => m.Groups["name"].Value);
        var code = Comment().Replace(StringLiteral().Replace(text, "\"\""), "");
        return code + "\n" + string.Join("\n", crefs);
    }

    [GeneratedRegex(@"\b(?:class|record|struct|interface|enum)\s+(?<name>[A-Z]\w*)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"(?<![\w.])(?<folder>[A-Z]\w*)\.(?<type>[A-Z]\w*)\b")]
    private static partial Regex PartlyQualified();

    [GeneratedRegex("cref=\"(?<name>[^\"]+)\"")]
    private static partial Regex Cref();

    // Raw, verbatim and regular strings, and character literals (a quote in a char would otherwise open a string).
    [GeneratedRegex("\"\"\"[\\s\\S]*?\"\"\"|@\"(?:[^\"]|\"\")*\"|\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)'")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"//.*$|/\*[\s\S]*?\*/", RegexOptions.Multiline)]
    private static partial Regex Comment();
}
