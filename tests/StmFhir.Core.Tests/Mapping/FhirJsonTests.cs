using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using StmFhir.Core.Mapping;
using StmFhir.Core.Tests.Repository;
using StmFhir.Core.Validation;

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
    public void EverySetWritesAndReadsAResourceAsDeepAsTheReaderAcceptsFromXml()
    {
        // The innermost extension's value is an XML element at the reader's deepest level; in JSON each level is an array
        // and an object, so the JSON nests about twice as deep.
        Extension inner = new("http://example.org/deep", new FhirString("bottom"));
        for (var i = 1; i < FhirReadOptions.MaxDepthLimit - 1; i++)
        {
            inner = new Extension { Url = "http://example.org/deep", Extension = [inner] };
        }
        var xml = new FhirXmlSerializer().SerializeToString(new Patient { Id = "deep", Extension = [inner] });
        var parsed = FhirInput.Parse(System.Text.Encoding.UTF8.GetBytes(xml), new FhirReadOptions { MaxDepth = FhirReadOptions.MaxDepthLimit });
        Assert.Empty(parsed.Issues);

        foreach (var options in new[] { FhirJson.Compact, FhirJson.Pretty, FhirJson.Lenient, FhirJson.Strict })
        {
            var json = JsonSerializer.Serialize(parsed.Resource, options);
            Assert.True(parsed.Resource!.IsExactly(JsonSerializer.Deserialize<Resource>(json, options)!));
            Assert.Equal(FhirJson.MaxDepth, options.MaxDepth);
        }
        Assert.True(FhirJson.MaxDepth >= (2 * FhirReadOptions.MaxDepthLimit) + 4, "room for a Bundle and an entry around the deepest resource");
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
