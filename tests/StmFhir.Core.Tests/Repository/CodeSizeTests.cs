namespace StmFhir.Core.Tests.Repository;

/// <summary>
/// Files and classes stay under ~300 lines (a partial class counts all its files) and methods under ~60, so a reader
/// takes in a class or a method at once (docs/STYLE.md). A method that is long for a reason says it in a
/// <c>// Long method:</c> comment above it; what may stay larger for now is listed here, each with why.
/// </summary>
public sealed class CodeSizeTests
{
    private const int MaxLines = 300;
    private const int MaxMethodLines = 60;

    /// <summary>Files and partial classes allowed past <see cref="MaxLines"/>, and why.</summary>
    private static readonly Dictionary<string, string> s_largeFiles = new(StringComparer.Ordinal);

    /// <summary>Methods allowed past <see cref="MaxMethodLines"/> without a comment in the file, as file:method, and why.</summary>
    private static readonly Dictionary<string, string> s_longMethods = new(StringComparer.Ordinal);

    private static IEnumerable<string> Sources =>
        RepositoryFiles.Text.Where(f => f.StartsWith("src/", StringComparison.Ordinal) && f.EndsWith(".cs", StringComparison.Ordinal));

    [Fact]
    public void NoSourceFileIsLongerThan300Lines()
    {
        var large = Sources
            .Select(f => (File: f, Lines: CodeSize.Lines(File.ReadAllText(RepositoryFiles.FullPath(f)))))
            .Where(f => f.Lines > MaxLines && !s_largeFiles.ContainsKey(f.File))
            .Select(f => $"{f.File}: {f.Lines} lines")
            .ToList();

        Assert.True(large.Count == 0, "Split by concern: " + string.Join("; ", large));
    }

    [Fact]
    public void NoPartialClassIsLongerThan300LinesAcrossItsFiles()
    {
        var large = Sources
            .SelectMany(f => CodeSize.PartialTypes(File.ReadAllText(RepositoryFiles.FullPath(f)))
                .Select(type => (Type: $"{f.Split('/')[1]}:{type}", File: f)))
            .GroupBy(p => p.Type)
            .Select(g => (g.Key, Files: g.Select(p => p.File).ToList(), Lines: g.Sum(p => CodeSize.Lines(File.ReadAllText(RepositoryFiles.FullPath(p.File))))))
            .Where(g => g.Lines > MaxLines && !g.Files.Any(s_largeFiles.ContainsKey))
            .Select(g => $"{g.Key}: {g.Lines} lines in {string.Join(", ", g.Files)}")
            .ToList();

        Assert.True(large.Count == 0, "Split into types of their own: " + string.Join("; ", large));
    }

    [Fact]
    public void NoMethodIsLongerThan60LinesWithoutSayingWhy()
    {
        var unexplained = Sources
            .SelectMany(f => CodeSize.Methods(File.ReadAllText(RepositoryFiles.FullPath(f))).Select(m => (File: f, Method: m)))
            .Where(m => m.Method.Length > MaxMethodLines && !m.Method.Explained && !s_longMethods.ContainsKey($"{m.File}:{m.Method.Name}"))
            .Select(m => $"{m.File}:{m.Method.Line} {m.Method.Name}: {m.Method.Length} lines")
            .ToList();

        Assert.True(unexplained.Count == 0, "Split, or say why in a '// Long method:' comment: " + string.Join("; ", unexplained));
    }

    [Fact]
    public void TheAllowedExceptionsAreStillThere()
    {
        // An exception that no longer exists would let a new file of that name grow unchecked.
        Assert.All(s_largeFiles.Keys, f => Assert.Contains(f, Sources));
        Assert.All(s_longMethods.Keys, m => Assert.Contains(
            CodeSize.Methods(File.ReadAllText(RepositoryFiles.FullPath(m.Split(':')[0]))),
            method => method.Name == m.Split(':')[1] && method.Length > MaxMethodLines));
    }

    [Fact]
    public void MethodsAreMeasuredFromSignatureToClosingBrace_AndAnExplanationAboveCounts()
    {
        var text = string.Join('\n',
        [
            "internal sealed class A(int b)",
            "{",
            "    public int Short() => b;",
            "",
            "    // Long method: one table of cases.",
            "    private static async Task<(List<string>? Entries, int Failure)> LongAsync(",
            "        int x, CancellationToken cancellationToken)",
            "    {",
            .. Enumerable.Repeat("        x++;", 70),
            "    }",
            "",
            "    public A(string c)",
            "        : this(c.Length)",
            "    {",
            "    }",
            "}",
        ]);

        var methods = CodeSize.Methods(text).ToList();

        Assert.Equal([("LongAsync", 6, 74, true), ("A", 81, 4, false)], methods);
    }

    [Fact]
    public void PartialTypesAreFoundInEveryForm()
    {
        var text = "internal sealed partial class A;\npublic static partial class B\n{\n}\ninternal readonly partial record struct C;\npartial interface D;";

        Assert.Equal(["A", "B", "C", "D"], CodeSize.PartialTypes(text));
        Assert.Equal(6, CodeSize.Lines(text));
        Assert.Equal(6, CodeSize.Lines(text + "\n"));
    }
}
