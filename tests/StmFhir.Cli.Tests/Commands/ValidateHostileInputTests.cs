using System.Text;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Cli.Tests.Commands;

/// <summary>
/// <c>stmfhir validate</c> over files that ended the process (a stack overflow) or aborted the run (an unhandled
/// exception before any file was printed): every file is reported, the bad ones as errors of their own.
/// </summary>
public sealed class ValidateHostileInputTests
{
    [Fact]
    public async Task AFolderOfInputsThatCrashedTheValidatorAndAValidSample_ReportsEveryFile()
    {
        using var folder = new TempFolder();
        folder.File("a-element.json", """{"resourceType":"Element"}""");
        folder.File("b-resource.json", """{"resourceType":"Resource"}""");
        folder.File("c-empty-name.json", """{"resourceType":"Patient","":"x"}""");
        folder.File("d-given.json", """{"resourceType":"Patient","name":[{"given":["a"],"_given":[{"id":"test"},null]}]}""");
        folder.File("e-value-element.json", """{"resourceType":"Patient","extension":[{"url":"http://example.org/x","valueElement":{}}]}""");
        folder.File("f-element.xml", """<Element xmlns="http://hl7.org/fhir"/>""");
        File.WriteAllBytes(Path.Combine(folder.Path, "g-bom.json"), [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes("""{"resourceType":"Patient","active":true}""")]);
        File.WriteAllBytes(Path.Combine(folder.Path, "h-utf16.xml"), [.. Encoding.Unicode.GetPreamble(),
            .. Encoding.Unicode.GetBytes("""<?xml version="1.0" encoding="utf-16"?><Patient xmlns="http://hl7.org/fhir"><active value="true"/></Patient>""")]);
        File.Copy(CliRunner.Samples("bundles", "01-lateral-epicondylitis-iastm.json"), Path.Combine(folder.Path, "i-sample.json"));

        var (exitCode, output, error) = await CliRunner.RunAsync("validate", folder.Path);

        Assert.Equal(1, exitCode);
        Assert.DoesNotContain("   at ", output + error);
        Assert.Contains("a-element.json: INVALID", output);
        Assert.Contains("[STM-INPUT-001] resourceType 'Element' is an abstract type", output);
        Assert.Contains("b-resource.json: INVALID", output);
        Assert.Contains("error       Patient  [STM-INPUT-001] a property has an empty name", output);
        Assert.Contains("error       Patient.name[0].given  [STM-INPUT-001] given has 1 item but _given has 2", output);
        Assert.Contains("e-value-element.json: INVALID", output);
        Assert.Contains("[STM-INPUT-002] The FHIR parser stopped at line 1", output);
        Assert.Contains("f-element.xml: INVALID", output);
        Assert.Contains("g-bom.json: valid", output);
        Assert.Contains("h-utf16.xml: valid", output);
        Assert.Contains("i-sample.json: valid", output);
        Assert.Contains("9 files validated: 3 valid, 6 invalid", output);
    }

    [Fact]
    public async Task EveryDatatypeAndAbstractTypeName_AsTheResourceAndAsAContainedOne_IsAnErrorOfItsFile()
    {
        using var folder = new TempFolder();
        var names = NonResourceTypeNames.TypeNames;
        for (var i = 0; i < names.Count; i++)
        {
            folder.File($"root-{i:000}.json", NonResourceTypeNames.Fill("""{"resourceType":"{0}"}""", names[i]));
            folder.File($"contained-{i:000}.json", NonResourceTypeNames.Fill("""{"resourceType":"Patient","contained":[{"resourceType":"{0}","id":"c"}]}""", names[i]));
        }

        var (exitCode, output, error) = await CliRunner.RunAsync("validate", folder.Path);

        Assert.Equal(1, exitCode);
        Assert.DoesNotContain("   at ", output + error);
        for (var i = 0; i < names.Count; i++)
        {
            Assert.Contains($"root-{i:000}.json: INVALID", output);
            Assert.Contains($"contained-{i:000}.json: INVALID", output);
        }
        Assert.Equal(names.Count, output.Split('\n').Count(line => line.Contains("Patient.contained[0]  [STM-INPUT-001] resourceType", StringComparison.Ordinal)));
        Assert.Contains($"{2 * names.Count} files validated: 0 valid, {2 * names.Count} invalid", output);
    }
}
