using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using StmFhir.Core.Mapping;
using StmFhir.Core.Tests.Repository;

namespace StmFhir.Core.Tests.Mapping;

public sealed class FhirJsonTests
{
    // A Patient whose gender is no code of its ValueSet: invalid FHIR, but well-formed JSON.
    private const string InvalidPatient = """{"resourceType":"Patient","id":"p1","gender":"not-a-gender"}""";

    [Fact]
    public void CompactWritesOneLineAndPrettyIndents()
    {
        var patient = new Patient { Id = "p1", Active = true };

        Assert.Equal("""{"resourceType":"Patient","id":"p1","active":true}""", JsonSerializer.Serialize(patient, FhirJson.Compact));
        Assert.Contains("\n", JsonSerializer.Serialize(patient, FhirJson.Pretty), StringComparison.Ordinal);
    }

    [Fact]
    public void StrictRefusesInvalidFhirAndLenientReadsIt()
    {
        Assert.Throws<DeserializationFailedException>(() => JsonSerializer.Deserialize<Resource>(InvalidPatient, FhirJson.Strict));

        var read = JsonSerializer.Deserialize<Resource>(InvalidPatient, FhirJson.Lenient);

        Assert.Equal("p1", Assert.IsType<Patient>(read).Id);
    }

    [Fact]
    public void NoSourceFileOutsideFhirJsonBuildsFhirSerializerOptions_InSrcOrTests()
    {
        const string holder = "src/StmFhir.Core/Mapping/FhirJson.cs";
        const string thisTest = "tests/StmFhir.Core.Tests/Mapping/FhirJsonTests.cs";
        var sources = RepositoryFiles.Text.Where(f => (f.StartsWith("src/", StringComparison.Ordinal) || f.StartsWith("tests/", StringComparison.Ordinal))
            && f.EndsWith(".cs", StringComparison.Ordinal)).ToList();

        var builders = sources.Where(f => f is not (holder or thisTest) && File.ReadAllText(RepositoryFiles.FullPath(f)).Contains(".ForFhir(", StringComparison.Ordinal)).ToList();

        Assert.Contains(holder, sources);
        Assert.True(builders.Count == 0, "Build FHIR JSON options only in FhirJson: " + string.Join(", ", builders));
    }
}
