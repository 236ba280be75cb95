using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Tests.Mapping;

/// <summary>Each sample session against its expected Bundle in samples/bundles/ (regenerate with `stmfhir map ... --out samples/bundles`).</summary>
public sealed class SampleBundleTests
{
    public static TheoryData<string> Samples() => [.. Directory.GetFiles(RepoPaths.Samples("sessions"), "*.json").Select(f => Path.GetFileName(f))];

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_MapsToItsExpectedBundle(string name)
    {
        var session = Read(name);

        var actual = FhirJson.Serialize(StmBundleMapper.ToBundle(session)) + "\n";

        Assert.Equal(File.ReadAllText(RepoPaths.Samples("bundles", name)), actual);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void ExpectedBundle_MapsBackToTheSampleSession(string name)
    {
        var bundle = FhirJson.Deserialize<Bundle>(File.ReadAllText(RepoPaths.Samples("bundles", name)));

        var back = StmBundleMapper.ToSession(bundle);

        Assert.True(back.IsValid, string.Join("\n", back.Problems));
        Assert.Equal(StmSessionWriter.Write(Read(name)), StmSessionWriter.Write(back.Session!));
    }

    [Fact]
    public void EverySampleSession_HasAnExpectedBundle_AndNoBundleIsOrphaned()
    {
        Assert.Equal(
            Directory.GetFiles(RepoPaths.Samples("sessions"), "*.json").Select(Path.GetFileName).Order(),
            Directory.GetFiles(RepoPaths.Samples("bundles"), "*.json").Select(Path.GetFileName).Order());
    }

    private static StmSession Read(string name)
    {
        var read = StmSessionReader.Read(File.ReadAllBytes(RepoPaths.Samples("sessions", name)));
        Assert.True(read.IsValid, string.Join("\n", read.Problems));
        return read.Session!;
    }
}
