using StmFhir.Core.Sessions;
using StmFhir.Exchange.Tests.Peer;

namespace StmFhir.Exchange.Tests;

/// <summary>The repository's sample sessions, each a test case.</summary>
internal static class TestFiles
{
    public static string Root { get; } = Path.GetFullPath(Path.Combine(PeerFhirServer.PeerDirectory, "..", ".."));

    public static string SessionsFolder { get; } = Path.Combine(Root, "samples", "sessions");

    public static TheoryData<string> SampleSessionNames()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(SessionsFolder, "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }
        return data;
    }

    public static StmSession SampleSession(string name)
    {
        var read = StmSessionReader.Read(File.ReadAllBytes(Path.Combine(SessionsFolder, name)));
        return read.Session ?? throw new InvalidOperationException($"{name}: {string.Join("; ", read.Problems)}");
    }

    public static IReadOnlyList<StmSession> AllSampleSessions() =>
        [.. Directory.GetFiles(SessionsFolder, "*.json").Order(StringComparer.Ordinal).Select(f => SampleSession(Path.GetFileName(f)))];
}
