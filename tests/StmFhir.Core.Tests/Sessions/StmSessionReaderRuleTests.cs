using System.Text.Json.Nodes;

namespace StmFhir.Core.Tests.Sessions;

/// <summary>Rules across fields: status and end, technique and instrument, strokes, codes, pain sites.</summary>
public sealed class StmSessionReaderRuleTests
{
    [Fact]
    public void Read_NotDoneWithoutStatusReason_ReportsStatusReasonRequired()
    {
        var doc = ReaderAssert.Base();
        doc["status"] = "not-done";

        ReaderAssert.Problems(doc, "$.statusReason: is required when status is not-done");
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("stopped")]
    public void Read_EndMissing_ReportsEndRequiredUnlessNotDone(string status)
    {
        var doc = ReaderAssert.Base();
        doc["status"] = status;
        doc.Remove("end");

        ReaderAssert.Problems(doc, "$.end: is required when status is completed or stopped");
    }

    [Fact]
    public void Read_NotDoneWithReasonAndNoEnd_IsValid()
    {
        var doc = ReaderAssert.Base();
        doc["status"] = "not-done";
        doc["statusReason"] = "Contraindicated at screening.";
        doc.Remove("end");

        ReaderAssert.Valid(doc);
    }

    [Fact]
    public void Read_EndBeforeStart_ComparesInstantsAcrossOffsets()
    {
        var doc = ReaderAssert.Base();
        doc["start"] = "2026-03-02T09:30:00+01:00";
        doc["end"] = "2026-03-02T08:45:00Z";
        ReaderAssert.Valid(doc);

        doc["end"] = "2026-03-02T08:29:59Z";
        ReaderAssert.Problems(doc, "$.end: must not be before start");
    }

    [Fact]
    public void Read_InstrumentAssistedWithoutInstrument_ReportsInstrumentRequired()
    {
        var doc = ReaderAssert.Base();
        doc.Remove("instrument");

        ReaderAssert.Problems(doc, "$.instrument: is required when technique is instrument-assisted");
    }

    [Fact]
    public void Read_ManualWithInstrument_ReportsInstrumentMustBeAbsent()
    {
        var doc = ReaderAssert.Base();
        doc["technique"] = "manual";

        ReaderAssert.Problems(doc, "$.instrument: must be absent when technique is manual");
    }

    [Fact]
    public void Read_DuplicateStrokes_ReportsStrokes()
    {
        var doc = ReaderAssert.Base();
        doc["strokes"] = JsonNode.Parse("[\"sweep\", \"fanning\", \"sweep\"]");

        ReaderAssert.Problems(doc, "$.strokes: must not list a stroke type twice");
    }

    [Fact]
    public void Read_CodeWithoutSnomedOrIcd_ReportsTheCodeObject()
    {
        var doc = ReaderAssert.Base();
        doc["indications"] = JsonNode.Parse("[{\"snomed\": \"202855006\"}, {\"text\": \"Tennis elbow\"}]");
        doc["screening"]!["findings"] = JsonNode.Parse("[{\"kind\": \"precaution\", \"code\": {\"snomed\": null, \"text\": \"Osteoporosis\"}}]");
        doc["screening"]!["result"] = "precautions";

        ReaderAssert.Problems(doc,
            "$.indications[1]: must have a snomed or an icd10cm code",
            "$.screening.findings[0].code: must have a snomed or an icd10cm code");
    }

    [Fact]
    public void Read_PainLateralityWithoutSite_ReportsLaterality()
    {
        var doc = ReaderAssert.Base();
        doc["painScores"]![0]!.AsObject().Remove("site");
        doc["painScores"]![2]!["site"] = null;

        ReaderAssert.Problems(doc, "$.painScores[0].laterality: needs a site", "$.painScores[2].laterality: needs a site");
    }

    [Theory]
    [InlineData("statusReason", "not-done", "$.statusReason: is required when status is not-done")]
    [InlineData("end", "completed", "$.end: is required when status is completed or stopped")]
    [InlineData("instrument", "completed", "$.instrument: is required when technique is instrument-assisted")]
    public void Read_ExplicitNullForAConditionallyRequiredField_ReportsItRequired(string field, string status, string expected)
    {
        var doc = ReaderAssert.Base();
        doc["status"] = status;
        doc[field] = null;

        ReaderAssert.Problems(doc, expected);
    }
}
