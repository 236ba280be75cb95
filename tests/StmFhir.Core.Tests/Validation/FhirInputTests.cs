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
}
