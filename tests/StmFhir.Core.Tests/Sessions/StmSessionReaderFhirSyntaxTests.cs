using System.Text.Json.Nodes;

namespace StmFhir.Core.Tests.Sessions;

/// <summary>Text the reader accepts must also be valid in the FHIR datatype it maps to.</summary>
public sealed class StmSessionReaderFhirSyntaxTests
{
    [Theory]
    [InlineData("B01AF02\nx")]
    [InlineData("two  spaces")]
    [InlineData("tab\there")]
    public void Read_MedicationCodeNotAFhirCode_ReportsTheCodePath(string code)
    {
        var session = ReaderAssert.Base();
        session["screening"]!["medications"] = new JsonArray(new JsonObject
        {
            ["name"] = "Apixaban",
            ["code"] = new JsonObject { ["system"] = "http://www.whocc.no/atc", ["code"] = code },
        });

        ReaderAssert.Problems(session,
            "$.screening.medications[0].code.code: must be a FHIR code: no line breaks or tabs, single spaces between words (at most 100 characters)");
    }

    [Fact]
    public void Read_ControlCharacterInText_ReportsThePath()
    {
        var session = ReaderAssert.Base();
        session["notes"] = "bell\u0007here";

        ReaderAssert.Problems(session, "$.notes: must not contain control characters other than tab and line breaks");
    }

    [Fact]
    public void Read_LineBreaksInNotes_AreAccepted()
    {
        var session = ReaderAssert.Base();
        session["notes"] = "line one\r\nline two\tend";

        ReaderAssert.Valid(session);
    }
}
