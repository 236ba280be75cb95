using System.Text;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation;

namespace StmFhir.Core.Tests.Validation;

public sealed class FhirInputTests
{
    [Fact]
    public void XmlWithADtdIsRefusedUnread()
    {
        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes("""
            <?xml version="1.0"?>
            <!DOCTYPE Patient [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>
            <Patient xmlns="http://hl7.org/fhir"><name><family value="&x;"/></name></Patient>
            """));
        Assert.Null(parsed.Resource);
        var issue = Assert.Single(parsed.Issues);
        Assert.Equal((IssueCodes.UnreadableInput, OperationOutcome.IssueSeverity.Fatal), (issue.Code, issue.Severity));
    }

    [Fact]
    public void XmlResourceIsRead()
    {
        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes("""<Patient xmlns="http://hl7.org/fhir"><gender value="female"/></Patient>"""));
        Assert.Empty(parsed.Issues);
        Assert.Equal(AdministrativeGender.Female, Assert.IsType<Patient>(parsed.Resource).Gender);
    }

    [Fact]
    public void JsonWithAByteOrderMarkIsRead()
    {
        var parsed = FhirInput.Parse([.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes("""{"resourceType":"Patient","active":true}""")]);
        Assert.True(Assert.IsType<Patient>(parsed.Resource).Active);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"resourceType\": \"Patient\"")]
    [InlineData("[1, 2]")]
    [InlineData("<Patient")]
    public void UnreadableInputIsOneFatalIssue(string content)
    {
        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(content));
        Assert.Null(parsed.Resource);
        Assert.Contains(parsed.Issues, i => i.Code == IssueCodes.UnreadableInput && i.Severity == OperationOutcome.IssueSeverity.Fatal);
    }

    [Theory]
    [InlineData("utf-16")]
    [InlineData("utf-16BE")]
    public void Utf16XmlWithItsByteOrderMarkIsRead(string encodingName)
    {
        var encoding = Encoding.GetEncoding(encodingName);
        byte[] content = [.. encoding.GetPreamble(), .. encoding.GetBytes("""<?xml version="1.0" encoding="utf-16"?><Patient xmlns="http://hl7.org/fhir"><gender value="female"/></Patient>""")];

        var parsed = FhirInput.Parse(content);

        Assert.Empty(parsed.Issues);
        Assert.Equal(AdministrativeGender.Female, Assert.IsType<Patient>(parsed.Resource).Gender);
    }

    [Fact]
    public void XmlWithAUtf8ByteOrderMarkIsRead()
    {
        var parsed = FhirInput.Parse([.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes("""<Patient xmlns="http://hl7.org/fhir"><active value="true"/></Patient>""")]);

        Assert.True(Assert.IsType<Patient>(parsed.Resource).Active);
    }

    [Fact]
    public void JsonInUtf16IsRefusedSayingFhirJsonIsUtf8()
    {
        var parsed = FhirInput.Parse([.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("""{"resourceType":"Patient"}""")]);

        Assert.Null(parsed.Resource);
        Assert.Contains("UTF-8", Assert.Single(parsed.Issues).Message);
    }

    [Fact]
    public void AlignedNullsOfAPrimitiveArrayAndItsUnderscoreArrayAreRead()
    {
        var parsed = FhirInput.Parse("""{"resourceType":"Patient","name":[{"given":["a",null],"_given":[null,{"extension":[{"url":"http://example.org/x","valueString":"b"}]}]}]}"""u8);

        Assert.Empty(parsed.Issues);
        var given = Assert.IsType<Patient>(parsed.Resource).Name[0].GivenElement;
        Assert.Equal(["a", null], given.Select(g => g.Value));
        Assert.Single(given[1].Extension);
    }

    [Fact]
    public void StrictReadingReportsAValueOfTheWrongTypeAtItsElement()
    {
        var json = """{"resourceType":"Patient","name":[{"family":3}]}"""u8;

        Assert.Empty(FhirInput.Parse(json).Issues);
        Assert.Contains(FhirInput.Parse(json, new FhirReadOptions { Strict = true }).Issues, i => i.IsError && i.Expression == "Patient.name[0].family");
    }

    [Fact]
    public void JsonCommentsAreSkippedInFilesAndRefusedWhenTheCallerSaysSo()
    {
        var json = "{\"resourceType\":\"Patient\", /* a note */ \"active\":true}"u8;

        Assert.NotNull(FhirInput.Parse(json).Resource);
        Assert.Null(FhirInput.Parse(json, new FhirReadOptions { AllowComments = false }).Resource);
    }
}
