using System.Text;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Input;

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

    [Theory]
    [InlineData("""{"resourceType":"Patient","id":"x","active":true}""", 3)]
    [InlineData("""{"resourceType":"Patient","name":[{"given":["a","b"]}]}""", 4)]
    [InlineData("""<Patient xmlns="http://hl7.org/fhir"><id value="x"/><active value="true"/></Patient>""", 2)]
    public void AnInputOfOneElementMoreThanTheLimitIsRefusedBeforeParsing_OneAtTheLimitIsRead(string text, int limitBelow)
    {
        // Each JSON object and each value counts (each array item; an array itself does not); in XML each element.
        var bytes = Encoding.UTF8.GetBytes(text);

        var refused = FhirInput.Parse(bytes, new FhirReadOptions { MaxElements = limitBelow });
        var read = FhirInput.Parse(bytes, new FhirReadOptions { MaxElements = limitBelow + 1 });

        Assert.Null(refused.Resource);
        Assert.Contains(refused.Issues, i => i.Code == IssueCodes.TooManyElements && i.Message.Contains($"more than {limitBelow} elements", StringComparison.Ordinal));
        Assert.NotNull(read.Resource);
        Assert.DoesNotContain(read.Issues, i => i.Code == IssueCodes.TooManyElements);
    }

    [Theory]
    [InlineData("Patient.name[0].family", """{"resourceType":"Patient","name":[{"family":"§"}]}""")]
    [InlineData("Patient.identifier[0].system", """{"resourceType":"Patient","identifier":[{"system":"§"}]}""")]
    public void AStringLongerThanFhirAllowsIsRefusedNamingItsElement(string where, string template)
    {
        var json = template.Replace("§", new string('a', JsonText.MaxStringCharacters + 1), StringComparison.Ordinal);

        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Null(parsed.Resource);
        Assert.Contains(parsed.Issues, i => i.Expression == where && i.Message.Contains("longer than FHIR allows", StringComparison.Ordinal));
    }

    [Fact]
    public void AStringAtTheLimit_AndLongBase64DataAndNarrative_AreRead()
    {
        var atLimit = new string('a', JsonText.MaxStringCharacters);
        var data = Convert.ToBase64String(new byte[JsonText.MaxStringCharacters]);
        var json = "{\"resourceType\":\"DocumentReference\",\"status\":\"current\",\"text\":{\"status\":\"generated\",\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">"
            + atLimit + "x</div>\"},\"description\":\"" + atLimit + "\",\"content\":[{\"attachment\":{\"data\":\"" + data + "\"}}]}";

        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(json));

        Assert.NotNull(parsed.Resource);
        Assert.DoesNotContain(parsed.Issues, i => i.Message.Contains("longer than FHIR allows", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Patient.name.family", """<Patient xmlns="http://hl7.org/fhir"><name><family value="§"/></name></Patient>""")]
    [InlineData("Patient.name[1].given", """<Patient xmlns="http://hl7.org/fhir"><name><family value="a"/></name><name><given value="§"/></name></Patient>""")]
    [InlineData("Patient.extension.url", """<Patient xmlns="http://hl7.org/fhir"><extension url="§"><valueString value="a"/></extension></Patient>""")]
    public void AnXmlAttributeLongerThanFhirAllowsIsRefusedNamingItsElement(string where, string template)
    {
        var xml = template.Replace("§", new string('a', JsonText.MaxStringCharacters + 1), StringComparison.Ordinal);

        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(xml));

        Assert.Null(parsed.Resource);
        Assert.Contains(parsed.Issues, i => i.Expression == where && i.Message.Contains("longer than FHIR allows", StringComparison.Ordinal));
    }

    [Fact]
    public void AnXmlAttributeAtTheLimit_AndLongBase64Data_AreRead()
    {
        var atLimit = new string('a', JsonText.MaxStringCharacters);
        var data = Convert.ToBase64String(new byte[JsonText.MaxStringCharacters]);
        var xml = $"""<DocumentReference xmlns="http://hl7.org/fhir"><status value="current"/><description value="{atLimit}"/><content><attachment><data value="{data}"/></attachment></content></DocumentReference>""";

        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(xml));

        Assert.NotNull(parsed.Resource);
        Assert.DoesNotContain(parsed.Issues, i => i.Message.Contains("longer than FHIR allows", StringComparison.Ordinal));
    }

    [Fact]
    public void AnEscapedStringIsMeasuredInCharacters_AndAnEscapedLoneSurrogateIsNotText()
    {
        var escaped = string.Concat(Enumerable.Repeat("\\u00e9", JsonText.MaxStringCharacters / 2 + 1));
        var longButShortEnough = FhirInput.Parse(Encoding.UTF8.GetBytes("{\"resourceType\":\"Patient\",\"gender\":\"" + escaped + "\"}"));
        var lone = FhirInput.Parse(Encoding.UTF8.GetBytes("{\"resourceType\":\"Patient\",\"gender\":\"\\ud800\"}"));

        Assert.DoesNotContain(longButShortEnough.Issues, i => i.Message.Contains("longer than FHIR allows", StringComparison.Ordinal));
        Assert.Contains(lone.Issues, i => i.Expression == "Patient.gender" && i.Message.Contains("not valid UTF-8", StringComparison.Ordinal));
    }
}
