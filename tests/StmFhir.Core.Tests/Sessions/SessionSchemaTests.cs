using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Tests.Sessions;

/// <summary>samples/stm-session.schema.json describes what the reader accepts: samples pass it, broken documents fail both.</summary>
public sealed class SessionSchemaTests
{
    private static JsonObject SchemaNode() => JsonNode.Parse(File.ReadAllText(SampleFiles.SchemaPath))!.AsObject();

    private static EvaluationResults Evaluate(string json, bool requireFormats = false)
    {
        using var document = JsonDocument.Parse(json);
        return SampleFiles.Schema.Evaluate(document.RootElement,
            new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = requireFormats });
    }

    private static string Describe(EvaluationResults results) => string.Join("\n",
        (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Key} {e.Value}")));

    private static JsonObject Valid() => SampleFiles.Node("01-lateral-epicondylitis-iastm.json");

    public static TheoryData<string> Samples => SampleFiles.SessionNames();

    [Fact]
    public void Schema_IsAValidDraft202012Schema()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(SampleFiles.SchemaPath));

        var results = MetaSchemas.Draft202012.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });

        Assert.True(results.IsValid, Describe(results));
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string?)SchemaNode()["$schema"]);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_IsValidAgainstTheSchema_FormatsIncluded(string name)
    {
        var results = Evaluate(SampleFiles.Text(name), requireFormats: true);

        Assert.True(results.IsValid, Describe(results));
    }

    /// <summary>Broken documents, each with the one problem the reader reports for it; the schema must reject each too.</summary>
    private static readonly Dictionary<string, (Action<JsonObject> Break, string Problem)> s_broken = new()
    {
        ["unknown field"] = (d => d["strokeRythm"] = "rhythmic", "$.strokeRythm: is not a field of this object"),
        ["missing sessionId"] = (d => d.Remove("sessionId"), "$.sessionId: is required"),
        ["null pressure"] = (d => d["pressure"] = null, "$.pressure: is required"),
        ["unknown pressure"] = (d => d["pressure"] = "firm", "$.pressure: must be one of: light, moderate, deep"),
        ["degrees above 360"] = (d => d["romMeasurements"]![2]!["degrees"] = 400, "$.romMeasurements[2].degrees: must be a number between 0 and 360"),
        ["zero minutes"] = (d => d["regions"]![0]!["minutes"] = 0, "$.regions[0].minutes: must be a whole number between 1 and 120"),
        ["pain score 11"] = (d => d["painScores"]![0]!["score"] = 11, "$.painScores[0].score: must be a whole number between 0 and 10"),
        ["ROM side bilateral"] = (d => d["romMeasurements"]![0]!["side"] = "bilateral", "$.romMeasurements[0].side: must be one of: left, right"),
        ["no regions"] = (d => d["regions"] = new JsonArray(), "$.regions: must have at least one item"),
        ["not-done without reason"] = (d => d["status"] = "not-done", "$.statusReason: is required when status is not-done"),
        ["not-done with null reason"] = (d => { d["status"] = "not-done"; d["statusReason"] = null; }, "$.statusReason: is required when status is not-done"),
        ["completed without end"] = (d => d.Remove("end"), "$.end: is required when status is completed or stopped"),
        ["stopped with null end"] = (d => { d["status"] = "stopped"; d["end"] = null; }, "$.end: is required when status is completed or stopped"),
        ["instrument-assisted without instrument"] = (d => d.Remove("instrument"), "$.instrument: is required when technique is instrument-assisted"),
        ["manual with instrument"] = (d => d["technique"] = "manual", "$.instrument: must be absent when technique is manual"),
        ["stroke listed twice"] = (d => d["strokes"] = new JsonArray("sweep", "fanning", "sweep"), "$.strokes: must not list a stroke type twice"),
        ["indication without code"] = (d => d["indications"]![0] = new JsonObject { ["text"] = "Tennis elbow" }, "$.indications[0]: must have a snomed or an icd10cm code"),
        ["finding with null codes"] = (d => { d["screening"]!["result"] = "precautions"; d["screening"]!["findings"] = JsonNode.Parse("[{\"kind\":\"precaution\",\"code\":{\"snomed\":null,\"icd10cm\":null}}]"); },
            "$.screening.findings[0].code: must have a snomed or an icd10cm code"),
        ["pain laterality without site"] = (d => d["painScores"]![0]!.AsObject().Remove("site"), "$.painScores[0].laterality: needs a site"),
        ["sessionId with a space"] = (d => d["sessionId"] = "STM 2026", "$.sessionId: must be 1-64 letters, digits, '.', '_', ':' or '-'"),
        ["sessionId with a final newline"] = (d => d["sessionId"] = "STM-2026-0101\n", "$.sessionId: must not start or end with whitespace"),
        ["ICD code in lower case"] = (d => d["indications"]![0]!["icd10cm"] = "m77.11", "$.indications[0].icd10cm: must be an ICD-10-CM code with its dot, e.g. M77.12"),
        ["SNOMED code too short"] = (d => d["indications"]![0]!["snomed"] = "20285", "$.indications[0].snomed: must be a SNOMED CT concept id (6-18 digits)"),
        ["date-time without offset"] = (d => d["start"] = "2026-03-02T09:30:00", "$.start: must be a date-time with seconds and a UTC offset, e.g. 2026-03-02T09:30:00+01:00"),
        ["date-time without seconds"] = (d => d["end"] = "2026-03-02T09:52+01:00", "$.end: must be a date-time with seconds and a UTC offset, e.g. 2026-03-02T09:30:00+01:00"),
        ["offset beyond 14 hours"] = (d => d["screening"]!["performedAt"] = "2026-03-02T09:20:00+14:30", "$.screening.performedAt: must be a date-time with seconds and a UTC offset, e.g. 2026-03-02T09:30:00+01:00"),
        ["birth date not ISO"] = (d => d["patient"]!["birthDate"] = "17.06.1984", "$.patient.birthDate: must be a date as YYYY-MM-DD"),
        ["relative source system"] = (d => d["sourceSystem"] = "/stm", "$.sourceSystem: must be an absolute URI (e.g. https://clinic.example.org/stm or urn:oid:1.2.3)"),
        ["empty lubricant"] = (d => d["lubricant"] = " ", "$.lubricant: must not be empty"),
        ["lubricant ending in a space"] = (d => d["lubricant"] = "Graston emollient ", "$.lubricant: must not start or end with whitespace"),
        ["encounterId too long"] = (d => d["encounterId"] = new string('E', 65), "$.encounterId: must be at most 64 characters"),
        ["given name not text"] = (d => d["patient"]!["name"]!["given"]![1] = 2, "$.patient.name.given[1]: must be a string"),
        ["$schema not text"] = (d => d["$schema"] = 1, "$.$schema: must be a string"),
        ["unknown complication"] = (d => d["complications"] = JsonNode.Parse("[{\"kind\":\"redness\"}]"), "$.complications[0].kind: must be one of: petechiae, bruising, pain-during-treatment"),
    };

    public static TheoryData<string> BrokenCases => [.. s_broken.Keys];

    [Theory]
    [MemberData(nameof(BrokenCases))]
    public void BrokenDocument_IsRejectedByBothReaderAndSchema(string name)
    {
        var (breakIt, problem) = s_broken[name];
        var doc = Valid();
        breakIt(doc);
        var json = doc.ToJsonString();

        var read = StmSessionReader.Read(json);
        var results = Evaluate(json);

        Assert.Equal([problem], read.Problems.Select(p => p.ToString()));
        Assert.False(results.IsValid, $"the schema accepts: {name}");
    }

    /// <summary>What a JSON Schema cannot say; the schema's description lists these. If one starts failing, update it.</summary>
    [Theory]
    [InlineData("end before start", "\"end\": \"2026-03-02T09:52:00+01:00\"", "\"end\": \"2026-03-02T08:52:00+01:00\"", "$.end: must not be before start")]
    [InlineData("whole number written as 10.0", "\"minutes\": 10", "\"minutes\": 10.0", "$.regions[0].minutes: must be a whole number between 1 and 120")]
    [InlineData("a date that does not exist", "\"start\": \"2026-03-02T09:30:00+01:00\"", "\"start\": \"2026-02-30T09:30:00+01:00\"", "$.start: must be a date-time with seconds and a UTC offset, e.g. 2026-03-02T09:30:00+01:00")]
    [InlineData("a URI with a scheme and nothing else", "\"sourceSystem\": \"https://pt.example-clinic.org/stm\"", "\"sourceSystem\": \"https://\"", "$.sourceSystem: must be an absolute URI (e.g. https://clinic.example.org/stm or urn:oid:1.2.3)")]
    [InlineData("a duplicate key", "\"status\": \"completed\"", "\"status\": \"completed\", \"status\": \"completed\"", "$.status: is given more than once")]
    public void ReaderOnlyRule_IsRejectedByTheReaderThoughTheSchemaAccepts(string rule, string find, string replace, string problem)
    {
        var json = SampleFiles.Text("01-lateral-epicondylitis-iastm.json");
        Assert.Contains(find, json, StringComparison.Ordinal);
        json = json.Replace(find, replace, StringComparison.Ordinal);

        Assert.Equal([problem], StmSessionReader.Read(json).Problems.Select(p => p.ToString()));
        Assert.True(Evaluate(json).IsValid, rule);
    }

    [Fact]
    public void NullOptionalFields_AreAcceptedByBothReaderAndSchema()
    {
        var doc = Valid();
        foreach (var field in new[] { "$schema", "encounterId", "statusReason", "lubricant", "strokes", "indications", "painScores", "romMeasurements", "screening", "complications", "notes" })
        {
            doc[field] = null;
        }
        doc["regions"]![0]!["laterality"] = null;
        doc["indications"] = JsonNode.Parse("[{\"snomed\":\"202855006\",\"icd10cm\":null,\"text\":null}]");
        doc["technique"] = "manual";
        doc["instrument"] = null;
        var json = doc.ToJsonString();

        Assert.Empty(StmSessionReader.Read(json).Problems);
        Assert.True(Evaluate(json).IsValid, Describe(Evaluate(json)));
    }

    public static TheoryData<string, string> EnumLocations => new()
    {
        { "/properties/status", JsonNames<SessionStatus>.AllNames },
        { "/properties/technique", JsonNames<Technique>.AllNames },
        { "/properties/pressure", JsonNames<Pressure>.AllNames },
        { "/properties/strokeRhythm", JsonNames<StrokeRhythm>.AllNames },
        { "/properties/strokes/items", JsonNames<StrokeType>.AllNames },
        { "/$defs/patient/properties/sex", JsonNames<AdministrativeSex>.AllNames },
        { "/$defs/instrument/properties/toolSystem", JsonNames<ToolSystem>.AllNames },
        { "/$defs/treatedRegion/properties/site", JsonNames<BodyRegion>.AllNames },
        { "/$defs/treatedRegion/properties/laterality", JsonNames<Laterality>.AllNames },
        { "/$defs/painScore/properties/timing", JsonNames<MeasurementTiming>.AllNames },
        { "/$defs/painScore/properties/site", JsonNames<BodyRegion>.AllNames },
        { "/$defs/painScore/properties/laterality", JsonNames<Laterality>.AllNames },
        { "/$defs/romMeasurement/properties/joint", JsonNames<Joint>.AllNames },
        { "/$defs/romMeasurement/properties/movement", JsonNames<Movement>.AllNames },
        { "/$defs/romMeasurement/properties/mode", JsonNames<RomMode>.AllNames },
        { "/$defs/romMeasurement/properties/side", JsonNames<Side>.AllNames },
        { "/$defs/romMeasurement/properties/timing", JsonNames<MeasurementTiming>.AllNames },
        { "/$defs/romMeasurement/properties/method", JsonNames<RomMethod>.AllNames },
        { "/$defs/screening/properties/result", JsonNames<ScreeningResult>.AllNames },
        { "/$defs/screeningFinding/properties/kind", JsonNames<FindingKind>.AllNames },
        { "/$defs/riskPrediction/properties/outcome", JsonNames<AdverseOutcome>.AllNames },
        { "/$defs/riskPrediction/properties/risk", JsonNames<RiskProbability>.AllNames },
        { "/$defs/complication/properties/kind", JsonNames<ComplicationKind>.AllNames },
    };

    [Theory]
    [MemberData(nameof(EnumLocations))]
    public void SchemaEnum_ListsTheJsonNamesOfItsCSharpEnum(string pointer, string jsonNames)
    {
        var node = pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Aggregate((JsonNode)SchemaNode(), (n, part) => n[part]!);

        var listed = node["enum"]!.AsArray().Where(v => v is not null).Select(v => (string)v!);

        Assert.Equal(jsonNames, string.Join(", ", listed));
    }

    [Fact]
    public void Schema_EveryObjectForbidsOtherFieldsAndEveryPropertyIsDescribed()
    {
        var objects = 0;
        void Visit(JsonNode? node, string at)
        {
            if (node is JsonObject obj)
            {
                if (obj["properties"] is JsonObject properties && obj["type"] is not null)
                {
                    objects++;
                    Assert.True(obj["additionalProperties"]?.GetValue<bool>() == false, $"{at} allows other fields");
                    foreach (var (name, property) in properties)
                    {
                        Assert.False(string.IsNullOrWhiteSpace((string?)property!["description"]), $"{at}/properties/{name} has no description");
                    }
                }
                foreach (var (key, child) in obj)
                {
                    Visit(child, $"{at}/{key}");
                }
            }
            else if (node is JsonArray array)
            {
                for (var i = 0; i < array.Count; i++)
                {
                    Visit(array[i], $"{at}/{i}");
                }
            }
        }

        Visit(SchemaNode(), "#");

        Assert.Equal(16, objects);
    }

    /// <summary>A session with every optional field set, as the writer writes it: its field names are the schema's.</summary>
    [Fact]
    public void WrittenSession_UsesExactlyTheSchemasFieldNames()
    {
        var full = SampleFiles.Session("04-patellar-tendinopathy-anticoagulant-bruising.json") with
        {
            StatusReason = "Shortened: patient had to leave.",
            Indications = [new ClinicalCode { Snomed = "202855006", Icd10Cm = "M77.12", Text = "Lateral epicondylitis" }],
        };
        var written = JsonNode.Parse(StmSessionWriter.Write(full))!.AsObject();
        var schema = SchemaNode();

        AssertSameFields(schema, written, schema, "$");
        Assert.True(Evaluate(written.ToJsonString()).IsValid);
    }

    private static void AssertSameFields(JsonObject root, JsonObject instance, JsonNode schema, string path)
    {
        var objectSchema = ObjectSchema(root, schema);
        var declared = objectSchema["properties"]!.AsObject().Select(p => p.Key).Where(k => k != "$schema").Order(StringComparer.Ordinal);
        Assert.Equal(declared, instance.Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var (name, value) in instance)
        {
            var propertySchema = objectSchema["properties"]![name]!;
            switch (value)
            {
                case JsonObject child:
                    AssertSameFields(root, child, propertySchema, $"{path}.{name}");
                    break;
                case JsonArray { Count: > 0 } array when array[0] is JsonObject first:
                    AssertSameFields(root, first, propertySchema["items"]!, $"{path}.{name}[0]");
                    break;
            }
        }
    }

    /// <summary>Follows $ref and the non-null branch of anyOf to the schema that declares an object's properties.</summary>
    private static JsonNode ObjectSchema(JsonObject root, JsonNode schema)
    {
        if (schema["properties"] is not null)
        {
            return schema;
        }
        if ((string?)schema["$ref"] is { } reference)
        {
            return ObjectSchema(root, root["$defs"]![reference["#/$defs/".Length..]]!);
        }
        return ObjectSchema(root, schema["anyOf"]!.AsArray().First(branch => branch!["$ref"] is not null)!);
    }
}
