using System.Text;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation;

namespace StmFhir.Core.Tests.Validation;

/// <summary>
/// <see cref="FhirInput"/> reads syntax only (the deserializer's own model checks are off, and in recoverable mode their
/// findings were dropped anyway): every wrong value that can still be read must then be an error from the engine, at
/// its element. The parser itself reports what FHIR's JSON syntax forbids, such as an empty array.
/// </summary>
[Collection(ValidationCollection.Name)]
public sealed class ReadableButWrongInputTests(ValidationFixture fixture)
{
    [Theory]
    [InlineData("""{"resourceType":"Patient","birthDate":"1980-13-45"}""", "Patient.birthDate")]
    [InlineData("""{"resourceType":"Patient","gender":"robot"}""", "Patient.gender")]
    [InlineData("""{"resourceType":"Patient","active":"yes"}""", "Patient.active")]
    [InlineData("""{"resourceType":"Patient","id":"not an id!"}""", "Patient.id")]
    // An element the model does not know is named in the message of an error on its parent.
    [InlineData("""{"resourceType":"Patient","colour":"blue"}""", "'colour'")]
    [InlineData("""{"resourceType":"Patient","name":[]}""", "Patient.name")]
    [InlineData("""{"resourceType":"Patient","name":[{"family":""}]}""", "Patient.name[0].family")]
    [InlineData("""{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":"7 kg"}}""", "Observation.value")]
    [InlineData("""{"resourceType":"Patient","telecom":[{"system":"phone","value":"1","period":{"start":"2024-2-3"}}]}""", "Patient.telecom[0].period.start")]
    public void IsAnErrorAtItsElement(string json, string element)
    {
        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(json));
        var resource = Assert.IsAssignableFrom<Resource>(parsed.Resource);
        var issues = parsed.Issues.Concat(fixture.Engine.Validate(resource).Issues).ToList();
        Assert.True(issues.Any(i => i.Severity <= OperationOutcome.IssueSeverity.Error && ((i.Expression ?? "").Contains(element, StringComparison.Ordinal) || i.Message.Contains(element, StringComparison.Ordinal))),
            $"no error at {element}: " + string.Join("; ", issues.Select(i => $"{i.Severity} {i.Code} {i.Expression}: {i.Message}")));
    }
}
