using System.Text.Json.Nodes;
using Json.Schema;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Tests.Sessions;

/// <summary>The session samples and the session JSON Schema in samples/, found from the test's output folder.</summary>
internal static class SampleFiles
{
    public static string RepoRoot => RepoPaths.Root;

    public static string SessionsFolder => Path.Combine(RepoRoot, "samples", "sessions");

    public static string SchemaPath => Path.Combine(RepoRoot, "samples", "stm-session.schema.json");

    // Built once per process: JsonSchema.Net registers a schema's $id globally and refuses to register it twice.
    private static readonly Lazy<JsonSchema> s_schema = new(() => JsonSchema.FromText(File.ReadAllText(SchemaPath)));

    /// <summary>samples/stm-session.schema.json, built.</summary>
    public static JsonSchema Schema => s_schema.Value;

    /// <summary>The file names of every session sample, in order.</summary>
    public static IReadOnlyList<string> Names() =>
        [.. Directory.GetFiles(SessionsFolder, "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal).Cast<string>()];

    /// <summary>The file names of every session sample, as xunit theory data.</summary>
    public static TheoryData<string> SessionNames() => [.. Names()];

    public static byte[] Bytes(string name) => File.ReadAllBytes(Path.Combine(SessionsFolder, name));

    public static string Text(string name) => File.ReadAllText(Path.Combine(SessionsFolder, name));

    public static JsonObject Node(string name) => JsonNode.Parse(Text(name))!.AsObject();

    /// <summary>A sample read by the reader; fails the test if it has problems.</summary>
    public static StmSession Session(string name)
    {
        var result = StmSessionReader.Read(Bytes(name));
        Assert.True(result.IsValid, $"{name}: {string.Join("; ", result.Problems)}");
        return result.Session!;
    }

    public static IEnumerable<StmSession> AllSessions() =>
        Names().Select(Session);
}
