using System.Text;
using System.Text.Json.Nodes;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Tests.Sessions;

/// <summary>The reader reports every problem at once, each at the exact JSON path of its field: structure.</summary>
public sealed class StmSessionReaderTests
{
    [Fact]
    public void Read_WrongTypes_ReportsEachWithItsPath()
    {
        var doc = ReaderAssert.Base();
        doc["sessionId"] = 42;
        doc["patient"] = "Julia Hoffmann";
        doc["clinician"]!["name"]!["given"] = JsonNode.Parse("[\"Adaeze\", 7]");
        doc["strokes"] = "sweep";
        doc["regions"]![0]!["minutes"] = "10";
        doc["painScores"]![1] = 4;
        doc["start"] = 20260302;
        doc["screening"] = JsonNode.Parse("[]");

        ReaderAssert.Problems(doc,
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
        ReaderAssert.Problems("{}",
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
        var doc = ReaderAssert.Base();
        doc["patient"]!.AsObject().Remove("birthDate");
        doc["patient"]!["identifier"]!.AsObject().Remove("value");
        doc["clinician"]!["name"]!.AsObject().Remove("family");
        doc["instrument"]!.AsObject().Remove("toolSystem");
        doc["regions"]![0]!.AsObject().Remove("site");
        doc["romMeasurements"]![1]!.AsObject().Remove("takenAt");
        doc["screening"]!.AsObject().Remove("result");
        doc["screening"]!["predictions"]![0]!.AsObject().Remove("risk");

        ReaderAssert.Problems(doc,
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
        var doc = ReaderAssert.Base();
        doc["pressure"] = null;
        doc["patient"]!["sex"] = null;

        ReaderAssert.Problems(doc, "$.pressure: is required", "$.patient.sex: is required");
    }

    [Fact]
    public void Read_NullForAnOptionalField_MeansAbsent()
    {
        var doc = ReaderAssert.Base();
        doc["encounterId"] = null;
        doc["lubricant"] = null;
        doc["notes"] = null;
        doc["complications"] = null;
        doc["regions"]![0]!["laterality"] = null;
        doc["$schema"] = null;

        ReaderAssert.Valid(doc);
    }

    [Fact]
    public void Read_UnknownFields_ReportsEachTypoWithItsPath()
    {
        var doc = ReaderAssert.Base();
        doc["strokeRythm"] = doc["strokeRhythm"]!.DeepClone();
        doc.Remove("strokeRhythm");
        doc["patient"]!["birthdate"] = "1984-06-17";
        doc["romMeasurements"]![0]!["degree"] = 132;
        doc["screening"]!["performed at"] = "2026-03-02T09:20:00+01:00";

        ReaderAssert.Problems(doc,
            "$.strokeRythm: is not a field of this object",
            "$.strokeRhythm: is required",
            "$.patient.birthdate: is not a field of this object",
            "$.romMeasurements[0].degree: is not a field of this object",
            "$.screening['performed at']: is not a field of this object");
    }

    [Fact]
    public void Read_DuplicateKeys_ReportsTheRepeatedPropertyAndOtherProblems()
    {
        var json = ReaderAssert.Base().ToJsonString()
            .Replace("\"status\":\"completed\"", "\"status\":\"completed\",\"status\":\"stopped\"", StringComparison.Ordinal)
            .Replace("\"family\":\"Hoffmann\"", "\"family\":\"Hoffmann\",\"fam\\u0069ly\":\"Roe\"", StringComparison.Ordinal)
            .Replace("\"minutes\":10", "\"minutes\":0", StringComparison.Ordinal);

        ReaderAssert.Problems(json,
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

    [Theory]
    [InlineData("{\"sessionId\": 'S-1'}", 1, 15, false)]
    [InlineData("{\n  \"a\": 1,\n}", 3, 1, false)]
    [InlineData("", 1, 1, false)]
    public void Read_NotJson_SaysWhereAndThatNoFieldWasRead(string json, long line, long position, bool tooDeep)
    {
        var result = StmSessionReader.Read(json);

        Assert.Equal(new JsonSyntaxError(line, position, tooDeep), result.NotJson);
        Assert.Null(result.Session);
    }

    [Fact]
    public void Read_NestingDeeperThanTheLimitGiven_IsNotJsonTooDeep_AndWithinIt_IsReadByField()
    {
        var json = "{\"notes\":" + new string('[', 70) + new string(']', 70) + "}";

        Assert.Equal(new JsonSyntaxError(1, 73, TooDeep: true), StmSessionReader.Read(json).NotJson);
        Assert.Equal(new JsonSyntaxError(1, 79, TooDeep: true), StmSessionReader.Read(Encoding.UTF8.GetBytes(json), maxDepth: 70).NotJson);
        var within = StmSessionReader.Read(Encoding.UTF8.GetBytes(json), maxDepth: 71);
        Assert.Null(within.NotJson);
        Assert.Contains(within.Problems, p => p.ToString() == "$.notes: must be a string");
    }

    [Fact]
    public void Read_TextCutOffDeepDown_IsNotJsonButNotTooDeep()
    {
        var json = string.Concat(Enumerable.Repeat("{\"a\":", 63));

        var result = StmSessionReader.Read(json);

        Assert.False(result.NotJson!.TooDeep);
        Assert.Contains("open JSON object", Assert.Single(result.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ValidOrInvalidRecord_IsJson()
    {
        Assert.Null(StmSessionReader.Read(ReaderAssert.Base().ToJsonString()).NotJson);
        Assert.Null(StmSessionReader.Read("{}").NotJson);
    }

    [Fact]
    public void Read_Nesting64Deep_IsParsedAndReportedByField()
    {
        var doc = ReaderAssert.Base();
        doc["notes"] = JsonNode.Parse(new string('[', 63) + new string(']', 63));

        ReaderAssert.Problems(doc, "$.notes: must be a string");
    }

    [Fact]
    public void Read_ManyProblemsAcrossTheDocument_ReportsThemAllAtOnce()
    {
        var doc = ReaderAssert.Base();
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

        ReaderAssert.Problems(doc,
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
    [InlineData("[]")]
    [InlineData("\"session\"")]
    [InlineData("null")]
    [InlineData("42")]
    public void Read_RootNotAnObject_ReportsRoot(string json) => ReaderAssert.Problems(json, "$: must be an object");
}
