using System.Text;
using System.Text.RegularExpressions;

namespace StmFhir.Core.Tests.Repository;

/// <summary>The relative links of a Markdown document and the heading anchors it offers, as GitHub renders them.</summary>
internal static partial class MarkdownLinks
{
    /// <summary>A link's target, split into the file part (empty for a link within the document) and the anchor.</summary>
    internal sealed record Link(int Line, string Target, string Path, string? Anchor);

    /// <summary>
    /// The links of <paramref name="markdown"/> that point into the repository: inline links and images outside code,
    /// without URLs with a scheme (<c>https:</c>, <c>mailto:</c>).
    /// </summary>
    public static IEnumerable<Link> RelativeLinks(string markdown)
    {
        var lines = OutsideFences(markdown);
        foreach (var (number, line) in lines)
        {
            // Inline code can hold brackets and parentheses that are not links; its text inside a link's label does
            // not matter for the target.
            var text = InlineCode().Replace(line, "code");
            foreach (Match m in InlineLink().Matches(text))
            {
                var target = m.Groups["target"].Value.Trim('<', '>');
                if (Scheme().IsMatch(target))
                {
                    continue;
                }
                var hash = target.IndexOf('#', StringComparison.Ordinal);
                yield return hash < 0
                    ? new Link(number, target, Uri.UnescapeDataString(target), null)
                    : new Link(number, target, Uri.UnescapeDataString(target[..hash]), target[(hash + 1)..]);
            }
        }
    }

    /// <summary>The anchors GitHub gives the headings of <paramref name="markdown"/> (a repeated heading gets -1, -2, ...).</summary>
    public static IReadOnlySet<string> Anchors(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, line) in OutsideFences(markdown))
        {
            if (Heading().Match(line) is not { Success: true } heading)
            {
                continue;
            }
            var slug = Slug(heading.Groups["text"].Value);
            var n = seen.GetValueOrDefault(slug);
            seen[slug] = n + 1;
            anchors.Add(n == 0 ? slug : $"{slug}-{n}");
        }
        return anchors;
    }

    /// <summary>A heading's anchor: lower case, links and code marks dropped, punctuation removed, spaces as hyphens.</summary>
    public static string Slug(string heading)
    {
        var text = InlineLink().Replace(heading.Trim(), "${label}").Replace("`", "", StringComparison.Ordinal);
        var slug = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                slug.Append(c);
            }
            else if (c == ' ')
            {
                slug.Append('-');
            }
        }
        return slug.ToString();
    }

    private static List<(int Number, string Line)> OutsideFences(string markdown)
    {
        var lines = new List<(int, string)>();
        var inFence = false;
        var number = 0;
        foreach (var line in markdown.Split('\n'))
        {
            number++;
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }
            if (!inFence)
            {
                lines.Add((number, line.TrimEnd('\r')));
            }
        }
        return lines;
    }

    [GeneratedRegex(@"!?\[(?<label>[^\]]*)\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex InlineLink();

    [GeneratedRegex(@"`[^`]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9+.-]*:")]
    private static partial Regex Scheme();

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.*?)\s*#*\s*$")]
    private static partial Regex Heading();
}
