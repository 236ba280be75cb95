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
    /// <summary>Deepest JSON nesting accepted by default; the format itself needs 4 levels.</summary>
    public const int MaxDepth = 64;

    /// <summary>
    /// Reads a session from UTF-8 JSON (a leading byte order mark is ignored) in one pass: the text is parsed once,
    /// walked once for repeated names and undecodable text, and its fields read. Text that is not JSON, or nests deeper
    /// than <paramref name="maxDepth"/>, gives one problem at <c>$</c> and <see cref="SessionReadResult.NotJson"/>.
    /// </summary>
    /// <param name="utf8Json">The session as UTF-8 JSON.</param>
    /// <param name="maxDepth">Deepest nesting accepted (at least 4, which the format needs); <see cref="MaxDepth"/> by default.</param>
    public static SessionReadResult Read(ReadOnlyMemory<byte> utf8Json, int maxDepth = MaxDepth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, 4);
        // RFC 8259 lets parsers ignore a BOM; editors on Windows add one, and Utf8JsonReader rejects it.
        if (utf8Json.Span.StartsWith("\uFEFF"u8))
        {
            utf8Json = utf8Json[3..];
        }
        JsonDocument document;
        try
        {
            // Duplicate property names are allowed by the parser and reported by JsonDocumentCheck, which knows their path.
            document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = maxDepth });
        }
        catch (JsonException e)
        {
            // The parser's own words are the only sign that depth, not syntax, stopped it (no other message names the limit).
            var notJson = new JsonSyntaxError(e.LineNumber + 1, e.BytePositionInLine + 1,
                e.Message.StartsWith("The maximum configured depth", StringComparison.Ordinal));
            var where = e.LineNumber is not null ? $" (line {notJson.Line}, byte {notJson.Byte})" : "";
            return new SessionReadResult(null, [new SessionProblem(e.Path ?? "$", $"is not valid JSON{where}: {FirstSentence(e.Message)}")]) { NotJson = notJson };
        }
        using (document)
        {
            return Read(document.RootElement, maxDepth);
        }
    }

    /// <summary>Reads a session from JSON text.</summary>
    public static SessionReadResult Read(string json) => Read(Encoding.UTF8.GetBytes(json));

    /// <summary>Reads a session from a parsed JSON element; nesting deeper than <see cref="MaxDepth"/> is a problem at its path.</summary>
    public static SessionReadResult Read(JsonElement root) => Read(root, MaxDepth);

    private static SessionReadResult Read(JsonElement root, int maxDepth)
    {
        var reader = new JsonFieldReader();
        if (!JsonDocumentCheck.Run(root, reader, maxDepth))
        {
            // Reading fields decodes their text, which would throw on what the check could not decode.
            return new SessionReadResult(null, reader.Problems);
        }
        var session = ReadSession(reader, root);
        return reader.Problems.Count == 0 ? new SessionReadResult(session, []) : new SessionReadResult(null, reader.Problems);
    }

    // Long method: one line per top-level field of the format, in the format's order, then the record; split, a reader
    // would have to join the pieces again to see which field is read how.
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
        var patient = r.Object(root, path, "patient", required: true) is { } p ? SessionPartReader.ReadPatient(r, p, "$.patient") : null;
        var clinician = r.Object(root, path, "clinician", required: true) is { } c ? SessionPartReader.ReadClinician(r, c, "$.clinician") : null;
        var encounterId = r.String(root, path, "encounterId", required: false, maxLength: SessionRules.EncounterIdLength);
        var status = r.Enum<SessionStatus>(root, path, "status", required: true);
        var statusReason = r.String(root, path, "statusReason", required: false);
        var start = r.DateTime(root, path, "start", required: true);
        var end = r.DateTime(root, path, "end", required: false);
        var technique = r.Enum<Technique>(root, path, "technique", required: true);
        var instrument = r.Object(root, path, "instrument", required: false) is { } i ? SessionPartReader.ReadInstrument(r, i, "$.instrument") : null;
        var lubricant = r.String(root, path, "lubricant", required: false, maxLength: SessionRules.NameLength);
        var pressure = r.Enum<Pressure>(root, path, "pressure", required: true);
        var rhythm = r.Enum<StrokeRhythm>(root, path, "strokeRhythm", required: true);
        var strokes = r.EnumArray<StrokeType>(root, path, "strokes");
        var regions = r.Array(root, path, "regions", true, (e, at) => SessionPartReader.ReadRegion(r, e, at));
        var indications = r.Array(root, path, "indications", false, (e, at) => SessionPartReader.ReadClinicalCode(r, e, at));
        var pain = r.Array(root, path, "painScores", false, (e, at) => SessionPartReader.ReadPainScore(r, e, at));
        var rom = r.Array(root, path, "romMeasurements", false, (e, at) => SessionPartReader.ReadRom(r, e, at));
        var screening = r.Object(root, path, "screening", required: false) is { } s ? SessionPartReader.ReadScreening(r, s, "$.screening") : null;
        var complications = r.Array(root, path, "complications", false, (e, at) => SessionPartReader.ReadComplication(r, e, at));
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

    private static string FirstSentence(string message)
    {
        // The caller reports line and byte 1-based; drop the parser's 0-based copy and its path.
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        cut = cut > 0 ? cut : message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
