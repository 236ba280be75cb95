using System.Text.Json;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Cli.Tests.Commands;

public sealed class ValidateCommandTests
{
    private static string Invalid(string name) => CliRunner.Samples("invalid", name);

    [Fact]
    public async Task ValidFileExitsZeroAndPrintsItsWarnings()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("validate", Invalid("clinical-petechiae.json"));
        Assert.Equal(0, exitCode);
        Assert.Contains("clinical-petechiae.json: valid (0 errors, 1 warning)", output);
        Assert.Contains("warning     Bundle.entry[2].resource.complication[0]  [STM-CLIN-008]", output);
        Assert.Contains("1 file validated: 1 valid, 0 invalid; 0 errors, 1 warning.", output);
    }

    [Fact]
    public async Task PredictionWithoutProbabilityIsValidWithAWarningThatAStrictR4ServerRefusesIt()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("validate", Invalid("interop-prediction-without-probability.json"));
        Assert.Equal(0, exitCode);
        Assert.Contains("interop-prediction-without-probability.json: valid (0 errors, 1 warning)", output);
        Assert.Contains("warning     Bundle.entry[6].resource.prediction[0]  [STM-INTEROP-001]", output);
        Assert.Contains("FHIR-25796", output);
    }

    [Fact]
    public async Task FileWithErrorsExitsOneAndNamesSeverityExpressionAndMessage()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("validate", Invalid("clinical-no-screening.json"));
        Assert.Equal(1, exitCode);
        Assert.Contains("clinical-no-screening.json: INVALID (1 error, 0 warnings)", output);
        Assert.Contains("error       Bundle.entry[2].resource  [STM-CLIN-002] The session was performed", output);
    }

    [Fact]
    public async Task MalformedFileIsAnErrorOfThatFileAndTheOthersAreStillValidated()
    {
        using var folder = new TempFolder();
        folder.File("a-broken.json", "{ \"resourceType\": \"Patient\", ");
        File.Copy(Invalid("clinical-petechiae.json"), Path.Combine(folder.Path, "b-valid.json"));
        var (exitCode, output, _) = await CliRunner.RunAsync("validate", folder.Path);
        Assert.Equal(1, exitCode);
        Assert.Contains("a-broken.json: INVALID (1 error, 0 warnings)", output);
        Assert.Contains("[STM-INPUT-001] The input is not valid JSON (line 1", output);
        Assert.Contains("b-valid.json: valid", output);
        Assert.Contains("2 files validated: 1 valid, 1 invalid", output);
    }

    [Fact]
    public async Task ElementTheValidatorCannotReadIsAnIssueNamingIt_NotACrash()
    {
        using var folder = new TempFolder();
        folder.File("two-systems.json", """{"resourceType":"Observation","status":"final","code":{"coding":[{"system":["http://loinc.org","http://snomed.info/sct"],"code":"8867-4"}]}}""");
        var (exitCode, output, error) = await CliRunner.RunAsync("validate", Path.Combine(folder.Path, "two-systems.json"));
        Assert.Equal(1, exitCode);
        Assert.Contains("error       Observation.code.coding[0].system  [STM-INPUT-002]", output);
        Assert.DoesNotContain("   at ", output + error);
    }

    [Fact]
    public async Task FolderIsReadRecursivelyAndExpectationFilesAreSkipped()
    {
        using var folder = new TempFolder();
        var nested = Directory.CreateDirectory(Path.Combine(folder.Path, "deeper", "still")).FullName;
        File.Copy(Invalid("xml-patient-gender-not-in-valueset.xml"), Path.Combine(nested, "patient.xml"));
        File.Copy(Invalid("clinical-petechiae.json"), Path.Combine(folder.Path, "bundle.json"));
        File.Copy(Invalid("clinical-petechiae.expected.json"), Path.Combine(folder.Path, "bundle.expected.json"));
        var (exitCode, output, _) = await CliRunner.RunAsync("validate", folder.Path);
        Assert.Equal(1, exitCode);
        Assert.Contains("patient.xml: INVALID", output);
        Assert.Contains("Patient.gender  [FIRELY-6007]", output);
        Assert.Contains("2 files validated", output);
    }

    [Fact]
    public async Task QuotedGlobPatternIsExpanded()
    {
        var (_, output, _) = await CliRunner.RunAsync("validate", Path.Combine(CliRunner.RepoRoot, "samples", "invalid", "clinical-rom-*.json"));
        Assert.Contains("clinical-rom-implausible.json: INVALID", output);
        Assert.Contains("clinical-rom-outside-normal-range.json: valid", output);
        Assert.Contains("2 files validated", output);
    }

    [Fact]
    public async Task FormatJsonPrintsAnOperationOutcomePerFile()
    {
        var (exitCode, output, error) = await CliRunner.RunAsync("validate", "--format", "json", Invalid("clinical-rom-implausible.json"));
        Assert.Equal(1, exitCode);
        var outcome = JsonSerializer.Deserialize<OperationOutcome>(output, StmFhir.Core.Mapping.FhirJson.Strict)!;
        var issue = Assert.Single(outcome.Issue);
        Assert.Equal(OperationOutcome.IssueSeverity.Error, issue.Severity);
        Assert.Equal("STM-CLIN-004", issue.Details!.Coding[0].Code);
        Assert.Equal("Bundle.entry[5].resource.valueQuantity.value", Assert.Single(issue.Expression));
        Assert.EndsWith("clinical-rom-implausible.json", outcome.Meta!.Source);
        Assert.Contains("1 file validated", error);
    }

    [Fact]
    public async Task FormatJsonWithSeveralFilesPrintsOneOperationOutcomePerLine()
    {
        var (_, output, _) = await CliRunner.RunAsync("validate", "--format", "json", Invalid("clinical-petechiae.json"), Invalid("input-malformed.json"));
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.All(lines, line => Assert.Equal("OperationOutcome", JsonDocument.Parse(line).RootElement.GetProperty("resourceType").GetString()));
    }

    [Fact]
    public async Task ProfileOptionValidatesAgainstThatProfile()
    {
        using var folder = new TempFolder();
        var patient = folder.File("patient.json", """{ "resourceType": "Patient", "gender": "female" }""");
        var (plainExit, _, _) = await CliRunner.RunAsync("validate", patient);
        var (profiledExit, output, _) = await CliRunner.RunAsync("validate", "--profile", "http://stmfhir.org/fhir/StructureDefinition/stm-patient", patient);
        Assert.Equal(0, plainExit);
        Assert.Equal(1, profiledExit);
        Assert.Contains("birthDate", output);
    }

    [Fact]
    public async Task UnknownProfileIsAnError()
    {
        var (exitCode, output, _) = await CliRunner.RunAsync("validate", "--profile", "http://stmfhir.org/fhir/StructureDefinition/nope", Invalid("clinical-petechiae.json"));
        Assert.Equal(1, exitCode);
        Assert.Contains("[STM-PROF-001]", output);
    }

    [Fact]
    public async Task ProfilesOptionPointsAtAnotherFolder()
    {
        using var folder = new TempFolder();
        // An empty profiles folder: the StmFhir profiles claimed in meta.profile are unknown.
        var (exitCode, output, _) = await CliRunner.RunAsync("validate", "--profiles", folder.Path, Invalid("clinical-petechiae.json"));
        Assert.Equal(1, exitCode);
        Assert.Contains("[STM-PROF-001]", output);
    }

    [Fact]
    public async Task MissingFileExitsTwoButTheOthersAreValidated()
    {
        var (exitCode, output, error) = await CliRunner.RunAsync("validate", "/no/such/file.json", Invalid("clinical-petechiae.json"));
        Assert.Equal(2, exitCode);
        Assert.Contains("/no/such/file.json: no such file", error);
        Assert.Contains("clinical-petechiae.json: valid", output);
    }

    [Theory]
    [InlineData]
    [InlineData("--format", "yaml", "x.json")]
    public async Task UsageErrorExitsTwo(params string[] args)
    {
        var (exitCode, _, error) = await CliRunner.RunAsync(["validate", .. args]);
        Assert.Equal(2, exitCode);
        Assert.NotEmpty(error);
    }
}
