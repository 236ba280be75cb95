using System.Text.Json;

namespace StmFhir.Core.Sessions;

/// <summary>
/// The parts of a session record for <see cref="StmSessionReader"/>, each read from its JSON object with every problem at
/// its path.
/// </summary>
internal static class SessionPartReader
{
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

    internal static PatientRecord? ReadPatient(JsonFieldReader r, JsonElement e, string path)
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

    internal static ClinicianRecord? ReadClinician(JsonFieldReader r, JsonElement e, string path)
    {
        r.RejectUnknown(e, path, "identifier", "name");
        var identifier = ReadIdentifier(r, e, path);
        var name = ReadName(r, e, path);
        return identifier is null || name is null ? null : new ClinicianRecord { Identifier = identifier, Name = name };
    }

    internal static InstrumentRecord? ReadInstrument(JsonFieldReader r, JsonElement e, string path)
    {
        r.RejectUnknown(e, path, "name", "toolSystem");
        var name = r.String(e, path, "name", required: true, maxLength: SessionRules.NameLength);
        var toolSystem = r.Enum<ToolSystem>(e, path, "toolSystem", required: true);
        return name is null || toolSystem is null ? null : new InstrumentRecord(name, toolSystem.Value);
    }

    internal static TreatedRegion? ReadRegion(JsonFieldReader r, JsonElement e, string path)
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

    internal static ClinicalCode? ReadClinicalCode(JsonFieldReader r, JsonElement e, string path)
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

    internal static PainScore? ReadPainScore(JsonFieldReader r, JsonElement e, string path)
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

    internal static RomMeasurement? ReadRom(JsonFieldReader r, JsonElement e, string path)
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

    internal static ScreeningRecord? ReadScreening(JsonFieldReader r, JsonElement e, string path)
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

    internal static Complication? ReadComplication(JsonFieldReader r, JsonElement e, string path)
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
}
