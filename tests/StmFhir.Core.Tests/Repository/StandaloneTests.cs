namespace StmFhir.Core.Tests.Repository;

/// <summary>
/// The repository stands alone: no file refers to documents outside it, and the documents it refers to are in docs/.
/// </summary>
public sealed class StandaloneTests
{
    [Fact]
    public void NoRepositoryFileRefersToADocumentOrFolderOutsideTheRepository()
    {
        var problems = RepositoryFiles.Text
            .SelectMany(f => OutsideReferences.In(f, File.ReadAllText(RepositoryFiles.FullPath(f))))
            .ToList();

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void TheFileListCoversCodeProfilesSamplesAndDocuments()
    {
        // Guards the test above against an empty or partial file list, which would make it pass without looking.
        var files = RepositoryFiles.Text;

        Assert.Contains("README.md", files);
        Assert.Contains(".editorconfig", files);
        Assert.Contains("src/StmFhir.Core/Terminology/StmCodes.cs", files);
        Assert.Contains("src/StmFhir.Gateway/StmFhir.Gateway.csproj", files);
        Assert.Contains("profiles/ValueSet-stm-indication.json", files);
        Assert.Contains("samples/sessions/README.md", files);
        Assert.Contains("tests/peer-fhir/lib/repository.js", files);
        Assert.Contains("docs/TERMINOLOGY.md", files);
        Assert.DoesNotContain(files, f => f.Contains("/node_modules/", StringComparison.Ordinal) || f.Contains("/bin/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ARCHITECTURE")]
    [InlineData("STYLE")]
    [InlineData("TERMINOLOGY")]
    [InlineData("perf/README")]
    public void TheProjectsOwnDocumentIsInDocs(string name) =>
        Assert.True(File.Exists(RepositoryFiles.FullPath($"docs/{name}.md")), $"docs/{name}.md is missing");

    [Theory]
    [InlineData("src/A/B.cs", "// see DESIGN" + ".md, \"Layers\"")]
    [InlineData("README.md", "read .." + "/shared/notes first")]
    [InlineData("src/A/B.cs", "/// codes from TERMINOLOGY" + ".md")]
    [InlineData("README.md", "[style](STYLE" + ".md)")]
    [InlineData("src/StmFhir.Core/Mapping/MAPPING.md", "[codes](../../docs/TERMINOLOGY" + ".md)")]
    [InlineData("docs/perf/README.md", "see [style](STYLE" + ".md)")]
    [InlineData("tests/X/Y.cs", "var p = \"../../" + "../etc/passwd\";")]
    public void AReferenceOutsideTheRepositoryIsFound(string file, string text) =>
        Assert.NotEmpty(OutsideReferences.In(file, text));

    [Theory]
    [InlineData("src/A/B.cs", "// see docs/TERMINOLOGY" + ".md for the confidence")]
    [InlineData("src/StmFhir.Core/Mapping/MAPPING.md", "[codes](../../../docs/TERMINOLOGY" + ".md#codes)")]
    [InlineData("docs/ARCHITECTURE.md", "[STYLE" + ".md](STYLE" + ".md)")]
    [InlineData("docs/perf/README.md", "[style](../STYLE" + ".md)")]
    [InlineData("tests/StmFhir.Core.Tests/X.csproj", "<Compile Include=\"..\\Shared\\RepoRoot.cs\" />")]
    [InlineData("tests/StmFhir.Gateway.Tests/ValidatorPage/page.test.mjs", "import x from '../../../src/StmFhir.Gateway/ValidatorPage/page.mjs';")]
    public void AReferenceInsideTheRepositoryIsAccepted(string file, string text) =>
        Assert.Empty(OutsideReferences.In(file, text));
}
