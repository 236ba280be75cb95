using System.Text.RegularExpressions;

namespace StmFhir.Core.Tests.Repository;

/// <summary>
/// Each measurement record under docs/perf/ is dated by its file name and starts by saying when it was measured, what,
/// and how to measure it again; the index lists every record.
/// </summary>
public sealed partial class PerfRecordTests
{
    private const string Folder = "docs/perf/";

    private static IEnumerable<string> RecordNames =>
        RepositoryFiles.Text.Where(f => f.StartsWith(Folder, StringComparison.Ordinal) && f != Folder + "README.md");

    public static TheoryData<string> Records => [.. RecordNames];

    [Theory]
    [MemberData(nameof(Records))]
    public void ARecordIsNamedByItsDateAndOpensWithDateMeasurementAndCommand(string record)
    {
        var name = record[Folder.Length..];
        var text = File.ReadAllText(RepositoryFiles.FullPath(record));
        var opening = string.Join('\n', text.Split('\n').TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal)));

        Assert.Matches(DatedName(), name);
        var date = Assert.Single(opening.Split('\n'), l => l.StartsWith("- **Date:**", StringComparison.Ordinal));
        Assert.Contains(name[..10], date, StringComparison.Ordinal);
        Assert.Contains("**Measured:**", opening, StringComparison.Ordinal);
        Assert.Contains("**Reproduce", opening, StringComparison.Ordinal);
        Assert.Contains("```sh", opening, StringComparison.Ordinal);
    }

    [Fact]
    public void TheIndexListsEveryRecord()
    {
        var index = File.ReadAllText(RepositoryFiles.FullPath(Folder + "README.md"));
        var records = RecordNames.Select(r => r[Folder.Length..]).ToList();

        Assert.NotEmpty(records);
        Assert.All(records, r => Assert.Contains($"]({r})", index, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}-[a-z0-9-]+\.md$")]
    private static partial Regex DatedName();
}
