using System.Text;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation;

namespace StmFhir.Core.Tests.Validation;

/// <summary>What the reader's one pass refuses about JSON text and the types of <c>id</c> and <c>url</c>, and the calendar's ends it accepts.</summary>
public sealed class FhirInputTextTests
{
    private static readonly FhirReadOptions s_write = new() { Strict = true, AllowComments = false };

    [Theory]
    [InlineData("""{"resourceType":"Pr§"}""", null)]
    [InlineData("""{"resourceType":"Patient","gender":"f§"}""", "Patient.gender")]
    [InlineData("""{"resourceType":"Patient","na§me":[]}""", "Patient")]
    [InlineData("""{"resourceType":"Patient","name":[{"family":"\ud800"}]}""", "Patient.name[0].family")]
    public void TextThatIsNotUtf8IsRefusedNamingWhereItIs(string template, string? where)
    {
        // § stands for the bytes C0 80, an overlong encoding no UTF-8 decoder accepts.
        var parts = template.Split('§');
        byte[] bytes = parts.Length == 1 ? Encoding.UTF8.GetBytes(template)
            : [.. Encoding.UTF8.GetBytes(parts[0]), 0xC0, 0x80, .. Encoding.UTF8.GetBytes(parts[1])];

        var parsed = FhirInput.Parse(bytes, s_write);

        Assert.Null(parsed.Resource);
        Assert.Contains(parsed.Issues, i => i.Code == IssueCodes.UnreadableInput && i.Message.Contains("UTF-8", StringComparison.Ordinal)
            && (where is null || i.Expression == where));
    }

    [Theory]
    [InlineData("""{"resourceType":"Patient","extension":[{"url":3,"valueString":"x"}]}""", "Patient.extension[0].url")]
    [InlineData("""{"resourceType":"Patient","id":{"value":"a"}}""", "Patient.id")]
    [InlineData("""{"resourceType":"Patient","name":[{"id":["a"],"family":"x"}]}""", "Patient.name[0].id")]
    public void IdAndUrlOtherThanAJsonStringAreRefused(string json, string where)
    {
        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Null(parsed.Resource);
        Assert.Contains(parsed.Issues, i => i.Code == IssueCodes.UnreadableInput && i.Expression == where);
    }

    [Theory]
    [InlineData("9999-12-31T23:59:59-14:00")]
    [InlineData("0001-01-01T00:00:00+14:00")]
    [InlineData("2016-12-31T23:59:60Z")]
    public void DatesFhirAllowsAtTheCalendarsEndsAreReadForWrites(string date)
    {
        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes($$"""{"resourceType":"Observation","status":"final","code":{"text":"x"},"effectiveDateTime":"{{date}}","issued":"{{date}}"}"""), s_write);

        Assert.Empty(parsed.Issues);
        Assert.Equal(date, Assert.IsType<FhirDateTime>(Assert.IsType<Observation>(parsed.Resource).Effective).Value);
    }

    [Theory]
    [InlineData("2023-02-29")]
    [InlineData("2024-13-01")]
    [InlineData("2024-01-01T10:00:00")]
    public void DatesFhirDoesNotAllowStayTheParsersProblemForWrites(string date)
    {
        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes($$"""{"resourceType":"Observation","status":"final","code":{"text":"x"},"effectiveDateTime":"{{date}}"}"""), s_write);

        Assert.Contains(parsed.Issues, i => i.Code == "FIRELY-PVAL124");
    }
}
