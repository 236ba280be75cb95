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
    // Dates the calendar does not have: FHIR's regexes pass them (CalendarDateValidator).
    [InlineData("""{"resourceType":"Patient","birthDate":"2023-02-29"}""", "Patient.birthDate")]
    [InlineData("""{"resourceType":"Patient","telecom":[{"system":"phone","value":"1","period":{"start":"2024-02-30T10:00:00Z"}}]}""", "Patient.telecom[0].period.start")]
    [InlineData("""{"resourceType":"Patient","meta":{"lastUpdated":"2024-04-31T10:00:00.000Z"}}""", "Patient.meta.lastUpdated")]
    public void IsAnErrorAtItsElement(string json, string element)
    {
        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(json));
        var resource = Assert.IsAssignableFrom<Resource>(parsed.Resource);
        var issues = parsed.Issues.Concat(fixture.Engine.Validate(resource).Issues).ToList();
        Assert.True(issues.Any(i => i.Severity <= OperationOutcome.IssueSeverity.Error && ((i.Expression ?? "").Contains(element, StringComparison.Ordinal) || i.Message.Contains(element, StringComparison.Ordinal))),
            $"no error at {element}: " + string.Join("; ", issues.Select(i => $"{i.Severity} {i.Code} {i.Expression}: {i.Message}")));
    }

    [Theory]
    [InlineData("2024-02-29")]
    [InlineData("2000-02-29")]
    [InlineData("2024-12-31")]
    [InlineData("2024-04")]
    [InlineData("2024")]
    public void ARealDateIsNoIssue(string date)
    {
        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes($$"""{"resourceType":"Patient","birthDate":"{{date}}"}"""));
        var report = fixture.Engine.Validate(Assert.IsAssignableFrom<Resource>(parsed.Resource));
        Assert.DoesNotContain(report.Issues, i => i.Expression is "Patient.birthDate");
    }

    [Theory]
    [InlineData("2023-02-29", "February 2023 has 28 days")]
    [InlineData("1900-02-29T00:00:00Z", "February 1900 has 28 days")]
    [InlineData("2024-06-31", "June 2024 has 30 days")]
    [InlineData("2024-02-29", null)]
    [InlineData("2024-13-01", null)]
    [InlineData("2024-02", null)]
    public void TheDayIsCheckedAgainstTheMonth(string text, string? problem) =>
        Assert.Equal(problem, StmFhir.Core.Validation.Engine.CalendarDateValidator.NonexistentDay(text));
}
