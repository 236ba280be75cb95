using Hl7.Fhir.Model;
using StmFhir.Core.Validation;

namespace StmFhir.Core.Tests.Validation;

/// <summary>A terminology check that could not be done offline is an error, never a silent pass.</summary>
public sealed class TerminologyFailureTests : IDisposable
{
    private const string Base = "http://stmfhir.org/fhir";
    private readonly string _profiles = Directory.CreateTempSubdirectory("stmfhir-tx-").FullName;
    private readonly StmValidator _engine;

    public TerminologyFailureTests()
    {
        WriteProfile("test-unknown-valueset", Base + "/ValueSet/does-not-exist");
        WriteProfile("test-all-of-snomed", Base + "/ValueSet/test-all-of-snomed");
        File.WriteAllText(Path.Combine(_profiles, "ValueSet-test-all-of-snomed.json"), $$"""
            { "resourceType": "ValueSet", "id": "test-all-of-snomed", "url": "{{Base}}/ValueSet/test-all-of-snomed", "name": "TestAllOfSnomed",
              "status": "draft", "compose": { "include": [ { "system": "http://snomed.info/sct" } ] } }
            """);
        _engine = StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = _profiles });
    }

    public void Dispose() => Directory.Delete(_profiles, recursive: true);

    [Theory]
    [InlineData("test-unknown-valueset")]
    [InlineData("test-all-of-snomed")]
    public void CheckThatCannotBeDoneOfflineIsAnError(string profile)
    {
        var patient = new Patient
        {
            Meta = new Meta { Profile = [$"{Base}/StructureDefinition/{profile}"] },
            MaritalStatus = new CodeableConcept("http://snomed.info/sct", "87915002", "Married"),
        };
        var report = _engine.Validate(patient);
        Assert.Empty(_engine.ProfileIssues);
        Assert.Contains(report.Errors, i => i.Expression == "Patient.maritalStatus");
        Assert.False(report.IsValid);
    }

    private void WriteProfile(string id, string valueSet) =>
        File.WriteAllText(Path.Combine(_profiles, $"StructureDefinition-{id}.json"), $$"""
            { "resourceType": "StructureDefinition", "id": "{{id}}", "url": "{{Base}}/StructureDefinition/{{id}}", "name": "Test{{id.Replace("-", "")}}",
              "status": "draft", "fhirVersion": "4.0.1", "kind": "resource", "abstract": false, "type": "Patient",
              "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Patient", "derivation": "constraint",
              "differential": { "element": [
                { "id": "Patient", "path": "Patient" },
                { "id": "Patient.maritalStatus", "path": "Patient.maritalStatus", "binding": { "strength": "required", "valueSet": "{{valueSet}}" } } ] } }
            """);
}
