namespace StmFhir.Core.Tests.Repository;

/// <summary>Every relative link in the repository's Markdown documents leads to a file, and to a heading where it names one.</summary>
public sealed class MarkdownLinkTests
{
    private static IEnumerable<string> DocumentNames => RepositoryFiles.Text.Where(f => f.EndsWith(".md", StringComparison.OrdinalIgnoreCase));

    public static TheoryData<string> Documents => [.. DocumentNames];

    [Theory]
    [MemberData(nameof(Documents))]
    public void EveryRelativeLinkLeadsToAFileInTheRepository(string document)
    {
        var folder = Path.GetDirectoryName(RepositoryFiles.FullPath(document))!;

        var broken = MarkdownLinks.RelativeLinks(File.ReadAllText(RepositoryFiles.FullPath(document)))
            .Where(l => l.Path.Length > 0)
            .Where(l => Path.Combine(folder, l.Path) is var target && (!RepositoryFiles.IsInside(target) || !(File.Exists(target) || Directory.Exists(target))))
            .Select(l => $"{document}:{l.Line}: {l.Target}")
            .ToList();

        Assert.True(broken.Count == 0, string.Join(Environment.NewLine, broken));
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void EveryAnchorOfARelativeLinkNamesAHeadingOfItsDocument(string document)
    {
        var path = RepositoryFiles.FullPath(document);
        var folder = Path.GetDirectoryName(path)!;

        var broken = MarkdownLinks.RelativeLinks(File.ReadAllText(path))
            .Where(l => l.Anchor is not null)
            .Select(l => (Link: l, Target: l.Path.Length == 0 ? path : Path.Combine(folder, l.Path)))
            .Where(x => x.Target.EndsWith(".md", StringComparison.OrdinalIgnoreCase) && File.Exists(x.Target))
            .Where(x => !MarkdownLinks.Anchors(File.ReadAllText(x.Target)).Contains(x.Link.Anchor!))
            .Select(x => $"{document}:{x.Link.Line}: {x.Link.Target}")
            .ToList();

        Assert.True(broken.Count == 0, string.Join(Environment.NewLine, broken));
    }

    [Fact]
    public void TheDocumentsTheLinksAreCheckedInIncludeTheReadmeDocsAndSource()
    {
        var documents = DocumentNames.ToList();

        Assert.Contains("README.md", documents);
        Assert.Contains("docs/ARCHITECTURE.md", documents);
        Assert.Contains("src/StmFhir.Core/Validation/VALIDATION.md", documents);
        Assert.Contains(documents, d => d.StartsWith("docs/perf/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Storage", "storage")]
    [InlineData("The STM session record", "the-stm-session-record")]
    [InlineData("Work Firely repeats on every run, done once", "work-firely-repeats-on-every-run-done-once")]
    [InlineData("FHIR facade, `/fhir` (R4, `application/fhir+json`)", "fhir-facade-fhir-r4-applicationfhirjson")]
    [InlineData("How \"exactly once\" is tested", "how-exactly-once-is-tested")]
    [InlineData("#### `POST /stm/sessions`", "post-stmsessions")]
    public void AHeadingsAnchorIsItsTextAsGitHubWritesIt(string heading, string anchor) =>
        Assert.Equal(anchor, MarkdownLinks.Slug(heading.TrimStart('#')));

    [Fact]
    public void LinksInCodeAndUrlsWithASchemeAreNotRelativeLinks()
    {
        const string markdown = "See [a](docs/a.md#x) and ![b](b.png).\n```sh\n[c](c.md)\n```\n`[d](d.md)` [e](https://example.org/e) [f](#f)\n";

        var links = MarkdownLinks.RelativeLinks(markdown).Select(l => (l.Path, l.Anchor)).ToList();

        Assert.Equal([("docs/a.md", "x"), ("b.png", null), ("", "f")], links);
    }

    [Fact]
    public void ARepeatedHeadingGetsANumberedAnchor()
    {
        var anchors = MarkdownLinks.Anchors("# Notes\n## Notes\n```\n# not a heading\n```\n");

        Assert.Equal(new HashSet<string> { "notes", "notes-1" }, anchors);
    }
}
