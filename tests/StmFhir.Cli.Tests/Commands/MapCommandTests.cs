using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;

namespace StmFhir.Cli.Tests.Commands;

public sealed class MapCommandTests
{
    public static TheoryData<string> Sessions() => [.. Directory.GetFiles(CliRunner.Samples("sessions"), "*.json").Select(f => Path.GetFileName(f))];

    [Theory]
    [MemberData(nameof(Sessions))]
    public async System.Threading.Tasks.Task Map_OneSample_PrintsItsTransactionBundleAndExitsZero(string file)
    {
        var (exitCode, output, error) = await CliRunner.RunAsync("map", CliRunner.Samples("sessions", file));

        Assert.Equal("", error);
        Assert.Equal(0, exitCode);
        var bundle = FhirJson.Deserialize<Bundle>(output);
        Assert.Equal(Bundle.BundleType.Transaction, bundle.Type);
        Assert.Single(bundle.Entry, e => e.Resource is Procedure);
    }

    [Fact]
    public async System.Threading.Tasks.Task Map_AllSamplesWithOut_WritesOneBundlePerSessionMatchingTheExpectedBundles()
    {
        using var temp = new TempFolder();
        var sessions = Directory.GetFiles(CliRunner.Samples("sessions"), "*.json");

        var (exitCode, _, error) = await CliRunner.RunAsync(["map", .. sessions, "--out", temp.Path]);

        Assert.Equal("", error);
        Assert.Equal(0, exitCode);
        foreach (var session in sessions)
        {
            var name = Path.GetFileName(session);
            Assert.Equal(File.ReadAllText(CliRunner.Samples("bundles", name)), File.ReadAllText(Path.Combine(temp.Path, name)));
        }
    }

    [Fact]
    public async System.Threading.Tasks.Task Map_InvalidSession_PrintsEveryProblemWithItsPathAndExitsOne()
    {
        using var temp = new TempFolder();
        var file = temp.File("bad.json", """{ "sessionId": 5, "romMeasurements": [ { "degrees": 400 } ] }""");

        var (exitCode, output, error) = await CliRunner.RunAsync("map", file);

        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.Contains("$.sourceSystem: is required", error);
        Assert.Contains("$.sessionId: must be a string", error);
        Assert.Contains("$.romMeasurements[0].degrees: must be a number between 0 and 360", error);
    }

    [Fact]
    public async System.Threading.Tasks.Task Map_MalformedJson_ReportsTheFileAndExitsOne()
    {
        using var temp = new TempFolder();
        var file = temp.File("broken.json", """{ "sessionId": """);

        var (exitCode, _, error) = await CliRunner.RunAsync("map", file);

        Assert.Equal(1, exitCode);
        Assert.Contains("broken.json: $", error);
        Assert.Contains("is not valid JSON", error);
    }

    [Fact]
    public async System.Threading.Tasks.Task Map_MissingFile_ExitsTwo()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("map", "/nonexistent/session.json");

        Assert.Equal(2, exitCode);
        Assert.Contains("cannot read", error);
    }

    [Fact]
    public async System.Threading.Tasks.Task Map_NoArguments_IsAUsageErrorWithExitTwo()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("map");

        Assert.Equal(2, exitCode);
        Assert.Contains("stmfhir --help", error);
    }

    [Fact]
    public async System.Threading.Tasks.Task Map_SeveralFilesWithoutOut_IsAUsageErrorWithExitTwo()
    {
        var sessions = Directory.GetFiles(CliRunner.Samples("sessions"), "*.json").Take(2).ToArray();

        var (exitCode, output, error) = await CliRunner.RunAsync(["map", .. sessions]);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Contains("--out", error);
    }

    [Fact]
    public async System.Threading.Tasks.Task MapValidate_SessionWithPetechiae_PrintsTheBundleAndTheWarningWithItsStmPath_ExitsZero()
    {
        var (exitCode, output, error) = await CliRunner.RunAsync("map", "--validate", CliRunner.Samples("sessions", "08-de-quervain-petechiae.json"));

        Assert.Equal(0, exitCode);
        Assert.Single(FhirJson.Deserialize<Bundle>(output).Entry, e => e.Resource is Procedure);
        Assert.Matches(@"warning \$\.complications\[0\] \(Bundle\.entry\[\d+\]\.resource\.complication\[0\]\) \[STM-CLIN-008\]", error);
    }

    [Fact]
    public async System.Threading.Tasks.Task MapValidate_SessionWithAnImpossibleAngle_PrintsTheErrorAtItsField_WritesNoBundle_ExitsOne()
    {
        using var temp = new TempFolder();
        var session = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(CliRunner.Samples("sessions", "01-lateral-epicondylitis-iastm.json")))!;
        session["romMeasurements"]![0]!["degrees"] = 330;
        var file = Path.Combine(temp.Path, "impossible.json");
        File.WriteAllText(file, session.ToJsonString());

        var (exitCode, output, error) = await CliRunner.RunAsync("map", "--validate", file);

        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.Contains("error $.romMeasurements[0].degrees", error);
        Assert.Contains("[STM-CLIN-004]", error);
        Assert.Contains("no Bundle written", error);
    }

    [Fact]
    public async System.Threading.Tasks.Task Map_ProfilesWithoutValidate_IsAUsageErrorWithExitTwo()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("map", "--profiles", CliRunner.Samples("sessions"), CliRunner.Samples("sessions", "01-lateral-epicondylitis-iastm.json"));

        Assert.Equal(2, exitCode);
        Assert.Contains("--validate", error);
    }
}
