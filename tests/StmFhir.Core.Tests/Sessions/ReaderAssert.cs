using System.Text.Json.Nodes;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Tests.Sessions;

/// <summary>Shared set-up and assertions of the reader tests.</summary>
internal static class ReaderAssert
{
    /// <summary>A valid instrument-assisted, completed session with six ROM measurements and three pain scores.</summary>
    public static JsonObject Base() => SampleFiles.Node("01-lateral-epicondylitis-iastm.json");

    /// <summary>The reader finds exactly <paramref name="expected"/> (in any order) and gives no session.</summary>
    public static void Problems(JsonNode document, params string[] expected) => Problems(document.ToJsonString(), expected);

    /// <inheritdoc cref="Problems(JsonNode, string[])"/>
    public static void Problems(string json, params string[] expected)
    {
        var result = StmSessionReader.Read(json);
        Assert.Null(result.Session);
        Assert.False(result.IsValid);
        Assert.Equal(expected.Order(StringComparer.Ordinal), result.Problems.Select(p => p.ToString()).Order(StringComparer.Ordinal));
    }

    public static void Valid(JsonNode document)
    {
        var result = StmSessionReader.Read(document.ToJsonString());
        Assert.Empty(result.Problems);
        Assert.NotNull(result.Session);
    }
}
