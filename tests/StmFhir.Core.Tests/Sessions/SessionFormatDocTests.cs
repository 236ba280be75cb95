using System.Text.Json;
using System.Text.RegularExpressions;
using Json.Schema;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Tests.Sessions;

/// <summary>The example in the format reference (docs/SESSION-RECORD.md) stays valid.</summary>
public sealed partial class SessionFormatDocTests
{
    [Fact]
    public void FormatReferenceExample_ReadsCleanlyAndPassesTheSchema()
    {
        var examples = new[] { "docs/SESSION-RECORD.md" }
            .Select(p => Path.Combine(SampleFiles.RepoRoot, p))
            .Where(File.Exists)
            .SelectMany(p => JsonBlock().Matches(File.ReadAllText(p)).Select(m => m.Groups[1].Value))
            .Where(json => json.Contains("\"sourceSystem\"", StringComparison.Ordinal))
            .ToList();
        var schema = SampleFiles.Schema;

        Assert.NotEmpty(examples);
        foreach (var json in examples)
        {
            Assert.Empty(StmSessionReader.Read(json).Problems);
            using var document = JsonDocument.Parse(json);
            Assert.True(schema.Evaluate(document.RootElement, new EvaluationOptions { RequireFormatValidation = true }).IsValid);
        }
    }

    [GeneratedRegex(@"```json\n(.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
