using System.Text;
using System.Text.Json.Nodes;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Tests.Sessions;

/// <summary>The reader reports every problem at once, each at the exact JSON path of its field.</summary>
public sealed class StmSessionReaderTests
{
    /// <summary>A valid instrument-assisted, completed session with three ROM measurements.</summary>
    private static JsonObject Valid() => SampleFiles.Node("01-lateral-epicondylitis-iastm.json");

    private static void AssertProblems(JsonNode document, params string[] expected) => AssertProblems(document.ToJsonString(), expected);

    private static void AssertProblems(string json, params string[] expected)
    {
        var result = StmSessionReader.Read(json);
        Assert.Null(result.Session);
        Assert.False(result.IsValid);
        Assert.Equal(expected.Order(StringComparer.Ordinal), result.Problems.Select(p => p.ToString()).Order(StringComparer.Ordinal));
    }

    private static void AssertValid(JsonNode document)
    {
        var result = StmSessionReader.Read(document.ToJsonString());
        Assert.Empty(result.Problems);
        Assert.NotNull(result.Session);
    }

    [Theory]
    [InlineData("400")]
    [InlineData("-0.5")]
    [InlineData("360.01")]
    [InlineData("\"90\"")]
    [InlineData("true")]
    public void Read_DegreesOutOfRangeOrNotANumber_ReportsPathAndRange(string degrees)
    {
        var doc = Valid();
        doc["romMeasurements"]![2]!["degrees"] = JsonNode.Parse(degrees);

        AssertProblems(doc, "$.romMeasurements[2].degrees: must be a number between 0 and 360");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("360")]
    [InlineData("12.5")]
    public void Read_DegreesAtOrInsideTheBounds_IsAccepted(string degrees)
    {
        var doc = Valid();
        doc["romMeasurements"]![2]!["degrees"] = JsonNode.Parse(degrees);

        AssertValid(doc);
    }

    [Fact]
    public void Read_WrongTypes_ReportsEachWithItsPath()
    {
        var doc = Valid();
        doc["sessionId"] = 42;
        doc["patient"] = "Julia Hoffmann";
        doc["clinician"]!["name"]!["given"] = JsonNode.Parse("[\"Adaeze\", 7]");
        doc["strokes"] = "sweep";
        doc["regions"]![0]!["minutes"] = "10";
        doc["painScores"]![1] = 4;
        doc["start"] = 20260302;
        doc["screening"] = JsonNode.Parse("[]");

        AssertProblems(doc,
            "$.sessionId: must be a string",
            "$.patient: must be an object",
            "$.clinician.name.given[1]: must be a string",
            "$.strokes: must be an array",
            "$.regions[0].minutes: must be a whole number between 1 and 120",
            "$.painScores[1]: must be an object",
            "$.start: must be a date-time with seconds and a UTC offset, e.g. 2026-03-02T09:30:00+01:00",
            "$.screening: must be an object");
    }

    [Fact]
    public void Read_EmptyObject_ReportsEveryRequiredField()
    {
        AssertProblems("{}",
            "$.sourceSystem: is required",
            "$.sessionId: is required",
            "$.patient: is required",
            "$.clinician: is required",
            "$.status: is required",
            "$.start: is required",
            "$.technique: is required",
            "$.pressure: is required",
            "$.strokeRhythm: is required",
            "$.regions: is required");
    }

    [Fact]
    public void Read_MissingNestedRequiredFields_ReportsEachWithItsPath()
    {
        var doc = Valid();
        doc["patient"]!.AsObject().Remove("birthDate");
        doc["patient"]!["identifier"]!.AsObject().Remove("value");
        doc["clinician"]!["name"]!.AsObject().Remove("family");
        doc["instrument"]!.AsObject().Remove("toolSystem");
        doc["regions"]![0]!.AsObject().Remove("site");
        doc["romMeasurements"]![1]!.AsObject().Remove("takenAt");
        doc["screening"]!.AsObject().Remove("result");
        doc["screening"]!["predictions"]![0]!.AsObject().Remove("risk");

        AssertProblems(doc,
            "$.patient.birthDate: is required",
            "$.patient.identifier.value: is required",
            "$.clinician.name.family: is required",
            "$.instrument.toolSystem: is required",
            "$.regions[0].site: is required",
            "$.romMeasurements[1].takenAt: is required",
            "$.screening.result: is required",
            "$.screening.predictions[0].risk: is required");
    }

    [Fact]
    public void Read_NullForARequiredField_ReportsItRequired()
    {
        var doc = Valid();
        doc["pressure"] = null;
        doc["patient"]!["sex"] = null;

        AssertProblems(doc, "$.pressure: is required", "$.patient.sex: is required");
    }

    [Fact]
    public void Read_NullForAnOptionalField_MeansAbsent()
    {
        var doc = Valid();
        doc["encounterId"] = null;
        doc["lubricant"] = null;
        doc["notes"] = null;
        doc["complications"] = null;
        doc["regions"]![0]!["laterality"] = null;
        doc["$schema"] = null;

        AssertValid(doc);
    }

    [Fact]
    public void Read_UnknownFields_ReportsEachTypoWithItsPath()
    {
        var doc = Valid();
        doc["strokeRythm"] = doc["strokeRhythm"]!.DeepClone();
        doc.Remove("strokeRhythm");
        doc["patient"]!["birthdate"] = "1984-06-17";
        doc["romMeasurements"]![0]!["degree"] = 132;
        doc["screening"]!["performed at"] = "2026-03-02T09:20:00+01:00";

        AssertProblems(doc,
            "$.strokeRythm: is not a field of this object",
            "$.strokeRhythm: is required",
            "$.patient.birthdate: is not a field of this object",
            "$.romMeasurements[0].degree: is not a field of this object",
            "$.screening['performed at']: is not a field of this object");
    }

    [Fact]
    public void Read_DuplicateKeys_ReportsTheRepeatedPropertyAndOtherProblems()
    {
        var json = Valid().ToJsonString()
            .Replace("\"status\":\"completed\"", "\"status\":\"completed\",\"status\":\"stopped\"", StringComparison.Ordinal)
            .Replace("\"family\":\"Hoffmann\"", "\"family\":\"Hoffmann\",\"fam\\u0069ly\":\"Roe\"", StringComparison.Ordinal)
            .Replace("\"minutes\":10", "\"minutes\":0", StringComparison.Ordinal);

        AssertProblems(json,
            "$.status: is given more than once",
            "$.patient.name.family: is given more than once",
            "$.regions[0].minutes: must be a whole number between 1 and 120");
    }

    // The explanation after the position is System.Text.Json's own wording, so only the position is pinned.
    [Theory]
    [InlineData("{\"sourceSystem\": \"https://pt.example-clinic.org/stm\",", "(line 1, byte 53): ")]
    [InlineData("{\"sessionId\": 'S-1'}", "(line 1, byte 15): ")]
    [InlineData("{\n  \"a\": 1,\n}", "(line 3, byte 1): ")]
    [InlineData("", "(line 1, byte 1): ")]
    public void Read_MalformedJson_ReportsOneProblemWithLineAndByte(string json, string position)
    {
        var result = StmSessionReader.Read(json);

        var problem = Assert.Single(result.Problems);
        Assert.Equal("$", problem.Path);
        Assert.StartsWith("is not valid JSON " + position, problem.Message, StringComparison.Ordinal);
        Assert.True(problem.Message.Length > ("is not valid JSON " + position).Length + 10, problem.Message);
        Assert.DoesNotContain("LineNumber", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NestingDeeperThan64_ReportsItWithoutThrowing()
    {
        var json = "{\"notes\":" + new string('[', 64) + new string(']', 64) + "}";

        var problem = Assert.Single(StmSessionReader.Read(json).Problems);

        Assert.Equal("$", problem.Path);
        Assert.Contains("maximum configured depth of 64", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Nesting64Deep_IsParsedAndReportedByField()
    {
        var doc = Valid();
        doc["notes"] = JsonNode.Parse(new string('[', 63) + new string(']', 63));

        AssertProblems(doc, "$.notes: must be a string");
    }

    [Fact]
    public void Read_NotDoneWithoutStatusReason_ReportsStatusReasonRequired()
    {
        var doc = Valid();
        doc["status"] = "not-done";

        AssertProblems(doc, "$.statusReason: is required when status is not-done");
    }

    [Theory]
    [InlineData("completed")]
    [InlineData("stopped")]
    public void Read_EndMissing_ReportsEndRequiredUnlessNotDone(string status)
    {
        var doc = Valid();
        doc["status"] = status;
        doc.Remove("end");

        AssertProblems(doc, "$.end: is required when status is completed or stopped");
    }

    [Fact]
    public void Read_NotDoneWithReasonAndNoEnd_IsValid()
    {
        var doc = Valid();
        doc["status"] = "not-done";
        doc["statusReason"] = "Contraindicated at screening.";
        doc.Remove("end");

        AssertValid(doc);
    }

    [Fact]
    public void Read_EndBeforeStart_ComparesInstantsAcrossOffsets()
    {
        var doc = Valid();
        doc["start"] = "2026-03-02T09:30:00+01:00";
        doc["end"] = "2026-03-02T08:45:00Z";
        AssertValid(doc);

        doc["end"] = "2026-03-02T08:29:59Z";
        AssertProblems(doc, "$.end: must not be before start");
    }

    [Fact]
    public void Read_InstrumentAssistedWithoutInstrument_ReportsInstrumentRequired()
    {
        var doc = Valid();
        doc.Remove("instrument");

        AssertProblems(doc, "$.instrument: is required when technique is instrument-assisted");
    }

    [Fact]
    public void Read_ManualWithInstrument_ReportsInstrumentMustBeAbsent()
    {
        var doc = Valid();
        doc["technique"] = "manual";

        AssertProblems(doc, "$.instrument: must be absent when technique is manual");
    }

    [Fact]
    public void Read_DuplicateStrokes_ReportsStrokes()
    {
        var doc = Valid();
        doc["strokes"] = JsonNode.Parse("[\"sweep\", \"fanning\", \"sweep\"]");

        AssertProblems(doc, "$.strokes: must not list a stroke type twice");
    }

    [Fact]
    public void Read_CodeWithoutSnomedOrIcd_ReportsTheCodeObject()
    {
        var doc = Valid();
        doc["indications"] = JsonNode.Parse("[{\"snomed\": \"202855006\"}, {\"text\": \"Tennis elbow\"}]");
        doc["screening"]!["findings"] = JsonNode.Parse("[{\"kind\": \"precaution\", \"code\": {\"snomed\": null, \"text\": \"Osteoporosis\"}}]");
        doc["screening"]!["result"] = "precautions";

        AssertProblems(doc,
            "$.indications[1]: must have a snomed or an icd10cm code",
            "$.screening.findings[0].code: must have a snomed or an icd10cm code");
    }

    [Theory]
    [InlineData("snomed", "12345", "must be a SNOMED CT concept id (6-18 digits)")]
    [InlineData("snomed", "0202855006", "must be a SNOMED CT concept id (6-18 digits)")]
    [InlineData("icd10cm", "M7711", "must be an ICD-10-CM code with its dot, e.g. M77.12")]
    [InlineData("icd10cm", "m77.11", "must be an ICD-10-CM code with its dot, e.g. M77.12")]
    [InlineData("icd10cm", "M77.11 ", "must not start or end with whitespace")]
    public void Read_MalformedCode_ReportsTheExpectedShape(string field, string value, string message)
    {
        var doc = Valid();
        doc["indications"]![0]![field] = value;

        AssertProblems(doc, $"$.indications[0].{field}: {message}");
    }

    [Fact]
    public void Read_PainLateralityWithoutSite_ReportsLaterality()
    {
        var doc = Valid();
        doc["painScores"]![0]!.AsObject().Remove("site");
        doc["painScores"]![2]!["site"] = null;

        AssertProblems(doc, "$.painScores[0].laterality: needs a site", "$.painScores[2].laterality: needs a site");
    }

    [Theory]
    [InlineData("statusReason", "not-done", "$.statusReason: is required when status is not-done")]
    [InlineData("end", "completed", "$.end: is required when status is completed or stopped")]
    [InlineData("instrument", "completed", "$.instrument: is required when technique is instrument-assisted")]
    public void Read_ExplicitNullForAConditionallyRequiredField_ReportsItRequired(string field, string status, string expected)
    {
        var doc = Valid();
        doc["status"] = status;
        doc[field] = null;

        AssertProblems(doc, expected);
    }

    [Fact]
    public void Read_ManyProblemsAcrossTheDocument_ReportsThemAllAtOnce()
    {
        var doc = Valid();
        doc["sourceSystem"] = "/stm";
        doc["sessionId"] = "S 1";
        doc["status"] = "done";
        doc["pressure"] = "firm";
        doc["strokes"] = JsonNode.Parse("[\"sweep\", \"zigzag\"]");
        doc["regions"] = new JsonArray();
        doc["painScores"]![0]!["score"] = 11;
        doc["romMeasurements"]![1]!["side"] = "bilateral";
        doc["romMeasurements"]![2]!["degrees"] = 361;
        doc["screening"]!["performedAt"] = "2026-03-02T09:20+01:00";
        doc["patient"]!["birthDate"] = "17.06.1984";

        AssertProblems(doc,
            "$.sourceSystem: must be an absolute URI (e.g. https://clinic.example.org/stm or urn:oid:1.2.3)",
            "$.sessionId: must be 1-64 letters, digits, '.', '_', ':' or '-'",
            "$.status: must be one of: completed, stopped, not-done",
            "$.pressure: must be one of: light, moderate, deep",
            "$.strokes[1]: must be one of: sweep, j-stroke, strum, scoop, brushing, fanning",
            "$.regions: must have at least one item",
            "$.painScores[0].score: must be a whole number between 0 and 10",
            "$.romMeasurements[1].side: must be one of: left, right",
            "$.romMeasurements[2].degrees: must be a number between 0 and 360",
            "$.screening.performedAt: must be a date-time with seconds and a UTC offset, e.g. 2026-03-02T09:30:00+01:00",
            "$.patient.birthDate: must be a date as YYYY-MM-DD");
    }

    [Theory]
    [InlineData("2026-03-02T09:30:00Z")]
    [InlineData("2026-03-02T09:30:00.5-05:00")]
    [InlineData("2026-03-02T09:30:00.1234567+14:00")]
    [InlineData("2028-02-29T09:30:00+05:30")]
    public void Read_DateTimeWithSecondsAndOffset_IsAcceptedAndKeepsItsOffset(string start)
    {
        var doc = Valid();
        doc["start"] = start;
        doc["end"] = "2030-01-01T00:00:00Z";

        var session = StmSessionReader.Read(doc.ToJsonString()).Session!;

        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), session.Start);
        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture).Offset, session.Start.Offset);
    }

    [Theory]
    [InlineData("2026-03-02T09:30+01:00")]
    [InlineData("2026-03-02T09:30:00")]
    [InlineData("2026-03-02 09:30:00Z")]
    [InlineData("2026-02-30T09:30:00Z")]
    [InlineData("2026-03-02T09:30:00+15:00")]
    [InlineData("2026-03-02T09:30:00Z\n")]
    [InlineData("2026-03-02T09:30:00.12345678Z")]
    [InlineData("٢٠٢٦-03-02T09:30:00Z")]
    public void Read_DateTimeWithoutSecondsOffsetOrRealDate_IsRejected(string start)
    {
        var doc = Valid();
        doc["start"] = start;

        AssertProblems(doc, "$.start: must be a date-time with seconds and a UTC offset, e.g. 2026-03-02T09:30:00+01:00");
    }

    [Theory]
    [InlineData("/stm")]
    [InlineData("c:\\stm")]
    [InlineData("pt.example-clinic.org/stm")]
    [InlineData("https://pt.example clinic.org")]
    [InlineData("https://")]
    public void Read_SourceSystemNotAnAbsoluteUri_IsRejected(string uri)
    {
        var doc = Valid();
        doc["sourceSystem"] = uri;

        AssertProblems(doc, "$.sourceSystem: must be an absolute URI (e.g. https://clinic.example.org/stm or urn:oid:1.2.3)");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Read_EmptyText_IsRejected(string text)
    {
        var doc = Valid();
        doc["lubricant"] = text;

        AssertProblems(doc, "$.lubricant: must not be empty");
    }

    [Fact]
    public void Read_TextLongerThanItsLimit_ReportsTheLimit()
    {
        var doc = Valid();
        doc["encounterId"] = new string('E', 65);
        doc["lubricant"] = new string('x', 201);

        AssertProblems(doc, "$.encounterId: must be at most 64 characters", "$.lubricant: must be at most 200 characters");
    }

    [Theory]
    [InlineData("10.0")]
    [InlineData("1e1")]
    public void Read_WholeNumberWrittenWithAFractionOrExponent_IsRejected(string minutes)
    {
        var doc = Valid();
        doc["regions"]![0]!["minutes"] = JsonNode.Parse(minutes);

        AssertProblems(doc, "$.regions[0].minutes: must be a whole number between 1 and 120");
    }

    [Fact]
    public void Read_SchemaReferenceThatIsNotText_IsRejected()
    {
        var doc = Valid();
        doc["$schema"] = 42;

        AssertProblems(doc, "$.$schema: must be a string");
    }

    [Fact]
    public void Read_InvalidUtf8_ReportsThePathInsteadOfThrowing()
    {
        var bytes = Encoding.UTF8.GetBytes(Valid().ToJsonString().Replace("Hoffmann", "Hoffm\u00e4nn", StringComparison.Ordinal));
        var at = bytes.AsSpan().IndexOf("\u00e4"u8);
        bytes[at + 1] = (byte)'(';

        var problem = Assert.Single(StmSessionReader.Read(bytes).Problems);

        Assert.Equal("$.patient.name.family: is not valid Unicode text (bad UTF-8 or an unpaired surrogate escape)", problem.ToString());
    }

    [Fact]
    public void Read_UnpairedSurrogateEscapeInAName_ReportsTheObjectInsteadOfThrowing()
    {
        var json = Valid().ToJsonString().Replace("\"lubricant\"", "\"lubric\\ud800ant\"", StringComparison.Ordinal);

        var problem = Assert.Single(StmSessionReader.Read(json).Problems);

        Assert.Equal("$: has a property name that is not valid Unicode (bad UTF-8 or an unpaired surrogate escape)", problem.ToString());
    }

    [Fact]
    public void Read_Utf8ByteOrderMark_IsIgnored()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(Valid().ToJsonString())).ToArray();

        Assert.True(StmSessionReader.Read(bytes).IsValid);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"session\"")]
    [InlineData("null")]
    [InlineData("42")]
    public void Read_RootNotAnObject_ReportsRoot(string json) => AssertProblems(json, "$: must be an object");
}
