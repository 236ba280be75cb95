using System.Text;
using System.Text.Json;

namespace StmFhir.Core.Sessions;

/// <summary>
/// Reads the STM session JSON format. Reports every problem at once, each with the JSON path of its field,
/// and never throws on bad input. What a session's values must be, and the rules across its fields, are
/// <see cref="SessionRules"/>; the reader applies them as it reads, so a field it cannot read is reported once.
/// </summary>
public static class StmSessionReader
{
    /// <summary>Deepest JSON nesting accepted; the format itself needs 4 levels.</summary>
    public const int MaxDepth = 64;

    // Duplicate property names are allowed by the parser and reported by JsonDocumentCheck, which knows their path.
    private static readonly JsonDocumentOptions s_documentOptions = new() { MaxDepth = MaxDepth };

    /// <summary>Reads a session from UTF-8 JSON (a leading byte order mark is ignored).</summary>
    public static SessionReadResult Read(ReadOnlyMemory<byte> utf8Json)
    {
        // RFC 8259 lets parsers ignore a BOM; editors on Windows add one, and Utf8JsonReader rejects it.
        if (utf8Json.Span.StartsWith("\uFEFF"u8))
        {
            utf8Json = utf8Json[3..];
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json, s_documentOptions);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            return new SessionReadResult(null, [new SessionProblem(e.Path ?? "$", $"is not valid JSON{where}: {FirstSentence(e.Message)}")]);
        }
        using (document)
        {
            return Read(document.RootElement);
        }
    }

    /// <summary>Reads a session from JSON text.</summary>
    public static SessionReadResult Read(string json) => Read(Encoding.UTF8.GetBytes(json));

    /// <summary>Reads a session from a parsed JSON element.</summary>
    public static SessionReadResult Read(JsonElement root)
    {
        var reader = new JsonFieldReader();
        if (!JsonDocumentCheck.Run(root, reader))
        {
            // Reading fields decodes their text, which would throw on what the check could not decode.
            return new SessionReadResult(null, reader.Problems);
        }
        var session = ReadSession(reader, root);
        return reader.Problems.Count == 0 ? new SessionReadResult(session, []) : new SessionReadResult(null, reader.Problems);
    }

    private static StmSession? ReadSession(JsonFieldReader r, JsonElement root)
    {
        const string path = "$";
        if (!r.IsObject(root, path))
        {
            return null;
        }
        r.RejectUnknown(root, path, "$schema", "sourceSystem", "sessionId", "patient", "clinician", "encounterId", "status",
            "statusReason", "start", "end", "technique", "instrument", "lubricant", "pressure", "strokeRhythm", "strokes",
            "regions", "indications", "painScores", "romMeasurements", "screening", "complications", "notes");

        // $schema only points editors at the JSON Schema; it is not kept, but must be text like any reference.
        r.String(root, path, "$schema", required: false);
        var sourceSystem = r.Uri(root, path, "sourceSystem", required: true);
        var sessionId = r.Matching(root, path, "sessionId", true, SessionRules.SessionId);
        var patient = r.Object(root, path, "patient", required: true) is { } p ? ReadPatient(r, p, "$.patient") : null;
        var clinician = r.Object(root, path, "clinician", required: true) is { } c ? ReadClinician(r, c, "$.clinician") : null;
        var encounterId = r.String(root, path, "encounterId", required: false, maxLength: SessionRules.EncounterIdLength);
        var status = r.Enum<SessionStatus>(root, path, "status", required: true);
        var statusReason = r.String(root, path, "statusReason", required: false);
        var start = r.DateTime(root, path, "start", required: true);
        var end = r.DateTime(root, path, "end", required: false);
        var technique = r.Enum<Technique>(root, path, "technique", required: true);
        var instrument = r.Object(root, path, "instrument", required: false) is { } i ? ReadInstrument(r, i, "$.instrument") : null;
        var lubricant = r.String(root, path, "lubricant", required: false, maxLength: SessionRules.NameLength);
        var pressure = r.Enum<Pressure>(root, path, "pressure", required: true);
        var rhythm = r.Enum<StrokeRhythm>(root, path, "strokeRhythm", required: true);
        var strokes = r.EnumArray<StrokeType>(root, path, "strokes");
        var regions = r.Array(root, path, "regions", true, (e, at) => ReadRegion(r, e, at));
        var indications = r.Array(root, path, "indications", false, (e, at) => ReadClinicalCode(r, e, at));
        var pain = r.Array(root, path, "painScores", false, (e, at) => ReadPainScore(r, e, at));
        var rom = r.Array(root, path, "romMeasurements", false, (e, at) => ReadRom(r, e, at));
        var screening = r.Object(root, path, "screening", required: false) is { } s ? ReadScreening(r, s, "$.screening") : null;
        var complications = r.Array(root, path, "complications", false, (e, at) => ReadComplication(r, e, at));
        var notes = r.String(root, path, "notes", required: false, maxLength: SessionRules.NotesLength);

        foreach (var problem in SessionRules.AcrossFields(new CrossFields(status, JsonFieldReader.Has(root, "statusReason"), start, end,
            JsonFieldReader.Has(root, "end"), technique, instrument, JsonFieldReader.Has(root, "instrument"), strokes)))
        {
            r.Problem(problem);
        }

        if (r.Problems.Count > 0)
        {
            return null;
        }
        return new StmSession
        {
            SourceSystem = sourceSystem!,
            SessionId = sessionId!,
            Patient = patient!,
            Clinician = clinician!,
            EncounterId = encounterId,
            Status = status!.Value,
            StatusReason = statusReason,
            Start = start!.Value,
            End = end,
            Technique = technique!.Value,
            Instrument = instrument,
            Lubricant = lubricant,
            Pressure = pressure!.Value,
            StrokeRhythm = rhythm!.Value,
            Strokes = strokes,
            Regions = regions,
            Indications = indications,
            PainScores = pain,
            RomMeasurements = rom,
            Screening = screening,
            Complications = complications,
            Notes = notes,
        };
    }

    private static IdentifierRecord? ReadIdentifier(JsonFieldReader r, JsonElement parent, string path)
    {
        if (r.Object(parent, path, "identifier", required: true) is not { } id)
        {
            return null;
        }
        var at = JsonFieldReader.Child(path, "identifier");
        r.RejectUnknown(id, at, "system", "value");
        var system = r.Uri(id, at, "system", required: true);
        var value = r.String(id, at, "value", required: true, maxLength: SessionRules.NameLength);
        return system is null || value is null ? null : new IdentifierRecord(system, value);
    }

    private static PersonName? ReadName(JsonFieldReader r, JsonElement parent, string path)
    {
        if (r.Object(parent, path, "name", required: true) is not { } name)
        {
            return null;
        }
        var at = JsonFieldReader.Child(path, "name");
        r.RejectUnknown(name, at, "family", "given");
        var family = r.String(name, at, "family", required: true, maxLength: SessionRules.NameLength);
        var given = r.Array(name, at, "given", false, (e, p) => r.StringValue(e, p, SessionRules.NameLength));
        return family is null ? null : new PersonName { Family = family, Given = given };
    }

    private static PatientRecord? ReadPatient(JsonFieldReader r, JsonElement e, string path)
    {
        r.RejectUnknown(e, path, "identifier", "name", "birthDate", "sex");
        var identifier = ReadIdentifier(r, e, path);
        var name = ReadName(r, e, path);
        var birthDate = r.Date(e, path, "birthDate", required: true);
        var sex = r.Enum<AdministrativeSex>(e, path, "sex", required: true);
        return identifier is null || name is null || birthDate is null || sex is null
            ? null
            : new PatientRecord { Identifier = identifier, Name = name, BirthDate = birthDate.Value, Sex = sex.Value };
    }

    private static ClinicianRecord? ReadClinician(JsonFieldReader r, JsonElement e, string path)
    {
        r.RejectUnknown(e, path, "identifier", "name");
        var identifier = ReadIdentifier(r, e, path);
        var name = ReadName(r, e, path);
        return identifier is null || name is null ? null : new ClinicianRecord { Identifier = identifier, Name = name };
    }

    private static InstrumentRecord? ReadInstrument(JsonFieldReader r, JsonElement e, string path)
    {
        r.RejectUnknown(e, path, "name", "toolSystem");
        var name = r.String(e, path, "name", required: true, maxLength: SessionRules.NameLength);
        var toolSystem = r.Enum<ToolSystem>(e, path, "toolSystem", required: true);
        return name is null || toolSystem is null ? null : new InstrumentRecord(name, toolSystem.Value);
    }

    private static TreatedRegion? ReadRegion(JsonFieldReader r, JsonElement e, string path)
    {
        if (!r.IsObject(e, path))
        {
            return null;
        }
        r.RejectUnknown(e, path, "site", "laterality", "minutes");
        var site = r.Enum<BodyRegion>(e, path, "site", required: true);
        var laterality = r.Enum<Laterality>(e, path, "laterality", required: false);
        var minutes = r.Integer(e, path, "minutes", required: true, min: SessionRules.MinMinutes, max: SessionRules.MaxMinutes);
        return site is null || minutes is null ? null : new TreatedRegion(site.Value, laterality, minutes.Value);
    }

    private static ClinicalCode? ReadClinicalCode(JsonFieldReader r, JsonElement e, string path)
    {
        if (!r.IsObject(e, path))
        {
            return null;
        }
        r.RejectUnknown(e, path, "snomed", "icd10cm", "text");
        var problemsBefore = r.Problems.Count;
        var snomed = r.Matching(e, path, "snomed", false, SessionRules.Snomed);
        var icd = r.Matching(e, path, "icd10cm", false, SessionRules.Icd10Cm);
        var text = r.String(e, path, "text", required: false, maxLength: SessionRules.CodeTextLength);
        if (r.Problems.Count == problemsBefore)
        {
            r.Problem(SessionRules.Uncoded(path, snomed, icd));
        }
        return r.Problems.Count > problemsBefore ? null : new ClinicalCode { Snomed = snomed, Icd10Cm = icd, Text = text };
    }

    private static PainScore? ReadPainScore(JsonFieldReader r, JsonElement e, string path)
    {
        if (!r.IsObject(e, path))
        {
            return null;
        }
        r.RejectUnknown(e, path, "score", "timing", "site", "laterality", "takenAt");
        var score = r.Integer(e, path, "score", required: true, min: SessionRules.MinScore, max: SessionRules.MaxScore);
        var timing = r.Enum<MeasurementTiming>(e, path, "timing", required: true);
        var site = r.Enum<BodyRegion>(e, path, "site", required: false);
        var laterality = r.Enum<Laterality>(e, path, "laterality", required: false);
        var takenAt = r.DateTime(e, path, "takenAt", required: true);
        if (SessionRules.LateralityWithoutSite(path, laterality, JsonFieldReader.Has(e, "site")) is { } noSite)
        {
            r.Problem(noSite);
            return null;
        }
        return score is null || timing is null || takenAt is null
            ? null
            : new PainScore { Score = score.Value, Timing = timing.Value, Site = site, Laterality = laterality, TakenAt = takenAt.Value };
    }

    private static RomMeasurement? ReadRom(JsonFieldReader r, JsonElement e, string path)
    {
        if (!r.IsObject(e, path))
        {
            return null;
        }
        r.RejectUnknown(e, path, "joint", "movement", "mode", "side", "degrees", "timing", "method", "takenAt");
        var joint = r.Enum<Joint>(e, path, "joint", required: true);
        var movement = r.Enum<Movement>(e, path, "movement", required: true);
        var mode = r.Enum<RomMode>(e, path, "mode", required: true);
        var side = r.Enum<Side>(e, path, "side", required: true);
        var degrees = r.Number(e, path, "degrees", required: true, min: SessionRules.MinDegrees, max: SessionRules.MaxDegrees);
        var timing = r.Enum<MeasurementTiming>(e, path, "timing", required: true);
        var method = r.Enum<RomMethod>(e, path, "method", required: true);
        var takenAt = r.DateTime(e, path, "takenAt", required: true);
        if (joint is null || movement is null || mode is null || side is null || degrees is null || timing is null
            || method is null || takenAt is null)
        {
            return null;
        }
        return new RomMeasurement
        {
            Joint = joint.Value, Movement = movement.Value, Mode = mode.Value, Side = side.Value, Degrees = degrees.Value,
            Timing = timing.Value, Method = method.Value, TakenAt = takenAt.Value,
        };
    }

    private static ScreeningRecord? ReadScreening(JsonFieldReader r, JsonElement e, string path)
    {
        r.RejectUnknown(e, path, "performedAt", "result", "findings", "medications", "predictions", "mitigation");
        var performedAt = r.DateTime(e, path, "performedAt", required: true);
        var result = r.Enum<ScreeningResult>(e, path, "result", required: true);
        var findings = r.Array(e, path, "findings", false, (f, at) => ReadFinding(r, f, at));
        var medications = r.Array(e, path, "medications", false, (m, at) => ReadMedication(r, m, at));
        var predictions = r.Array(e, path, "predictions", false, (p, at) => ReadPrediction(r, p, at));
        var mitigation = r.String(e, path, "mitigation", required: false, maxLength: SessionRules.NoteLength);
        return performedAt is null || result is null
            ? null
            : new ScreeningRecord
            {
                PerformedAt = performedAt.Value, Result = result.Value, Findings = findings, Medications = medications,
                Predictions = predictions, Mitigation = mitigation,
            };
    }

    private static ScreeningFinding? ReadFinding(JsonFieldReader r, JsonElement e, string path)
    {
        if (!r.IsObject(e, path))
        {
            return null;
        }
        r.RejectUnknown(e, path, "kind", "code");
        var kind = r.Enum<FindingKind>(e, path, "kind", required: true);
        var code = r.Object(e, path, "code", required: true) is { } c ? ReadClinicalCode(r, c, JsonFieldReader.Child(path, "code")) : null;
        return kind is null || code is null ? null : new ScreeningFinding(kind.Value, code);
    }

    private static MedicationRecord? ReadMedication(JsonFieldReader r, JsonElement e, string path)
    {
        if (!r.IsObject(e, path))
        {
            return null;
        }
        r.RejectUnknown(e, path, "name", "code");
        var name = r.String(e, path, "name", required: true, maxLength: SessionRules.NameLength);
        CodingRecord? coding = null;
        if (r.Object(e, path, "code", required: false) is { } c)
        {
            var at = JsonFieldReader.Child(path, "code");
            r.RejectUnknown(c, at, "system", "code", "display");
            var system = r.Uri(c, at, "system", required: true);
            var code = r.Matching(c, at, "code", true, SessionRules.FhirCode);
            var display = r.String(c, at, "display", required: false, maxLength: SessionRules.NameLength);
            coding = system is null || code is null ? null : new CodingRecord(system, code, display);
        }
        return name is null ? null : new MedicationRecord(name, coding);
    }

    private static RiskPrediction? ReadPrediction(JsonFieldReader r, JsonElement e, string path)
    {
        if (!r.IsObject(e, path))
        {
            return null;
        }
        r.RejectUnknown(e, path, "outcome", "risk");
        var outcome = r.Enum<AdverseOutcome>(e, path, "outcome", required: true);
        var risk = r.Enum<RiskProbability>(e, path, "risk", required: true);
        return outcome is null || risk is null ? null : new RiskPrediction(outcome.Value, risk.Value);
    }

    private static Complication? ReadComplication(JsonFieldReader r, JsonElement e, string path)
    {
        if (!r.IsObject(e, path))
        {
            return null;
        }
        r.RejectUnknown(e, path, "kind", "note");
        var kind = r.Enum<ComplicationKind>(e, path, "kind", required: true);
        var note = r.String(e, path, "note", required: false, maxLength: SessionRules.NoteLength);
        return kind is null ? null : new Complication(kind.Value, note);
    }

    private static string FirstSentence(string message)
    {
        // The caller reports line and byte 1-based; drop the parser's 0-based copy and its path.
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        cut = cut > 0 ? cut : message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
