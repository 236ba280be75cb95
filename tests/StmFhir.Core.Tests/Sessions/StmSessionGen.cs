using CsCheck;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Tests.Sessions;

/// <summary>CsCheck generators of valid sessions: every rule the reader checks holds for what they make.</summary>
internal static class StmSessionGen
{
    private const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    // Inner characters include spaces, punctuation, non-ASCII letters, a newline and a surrogate pair (two UTF-16 units).
    private static readonly Gen<string> Inner = Gen.OneOf(
        Gen.Char[Letters + " .,;:'-/()%"].Select(c => c.ToString()),
        Gen.OneOfConst("é", "ß", "ü", "ñ", "ễ", "日本", "\n", "😀", "\"", "\\", "<", "&"));

    /// <summary>Text with no leading or trailing whitespace, at most <paramref name="max"/> UTF-16 units.</summary>
    public static Gen<string> Text(int max = 30) =>
        Gen.Select(Gen.Char[Letters], Inner.Array[0, Math.Max(0, max / 2 - 2)], Gen.Char[Letters],
            (first, middle, last) => first + string.Concat(middle) + last);

    public static readonly Gen<string> Uri = Gen.OneOf(
        Gen.OneOfConst("https://pt.example-clinic.org/stm", "urn:oid:2.16.840.1.113883.3.1234", "http://hl7.org/fhir/sid/us-npi", "urn:uuid:6f1c0d2e-9a3b-4c55-8e21-0b7a3f4d2c19"),
        Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"].Array[1, 20].Select(a => "https://" + new string(a) + ".example.org/" + new string(a)));

    /// <summary>A FHIR code: words of non-whitespace characters separated by single spaces.</summary>
    public static readonly Gen<string> Code20 =
        Gen.Char[Letters + ".-_/é日"].Array[1, 6].Array[1, 3].Select(words => string.Join(' ', words.Select(w => new string(w))));

    public static readonly Gen<string> SessionId =
        Gen.Char[Letters + "._:-"].Array[1, 64].Select(a => new string(a));

    public static readonly Gen<string> Snomed = Gen.Long[100_000, 999_999_999_999_999_999].Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static readonly Gen<string> Icd10Cm = Gen.Select(
        Gen.Char["ABCDEFGHIJKLMNOPQRSTVWXYZ"], Gen.Char["0123456789"], Gen.Char["0123456789AB"],
        Gen.Char["0123456789ABCDEFGHIJKLMNOPQRSTVWXYZ"].Array[0, 4],
        (a, b, c, rest) => $"{a}{b}{c}" + (rest.Length == 0 ? "" : "." + new string(rest)));

    public static readonly Gen<DateTimeOffset> DateTime = Gen.Select(
        Gen.Long[new DateTime(1990, 1, 1).Ticks, new DateTime(2090, 1, 1).Ticks],
        Gen.OneOf(Gen.Const(0), Gen.Int[-14 * 60, 14 * 60], Gen.OneOfConst(60, -300, 330, -600, 840, -840)),
        Gen.Bool,
        (ticks, offsetMinutes, wholeSeconds) => new DateTimeOffset(
            new DateTime(wholeSeconds ? ticks - ticks % TimeSpan.TicksPerSecond : ticks), TimeSpan.FromMinutes(offsetMinutes)));

    public static readonly Gen<decimal> Degrees = Gen.OneOf(
        Gen.Int[0, 360].Select(i => (decimal)i),
        Gen.Int[0, 36_000].Select(i => i / 100m));

    public static readonly Gen<IdentifierRecord> Identifier = Gen.Select(Uri, Text(40), (s, v) => new IdentifierRecord(s, v));

    public static readonly Gen<PersonName> Name = Gen.Select(Text(40), Text(20).Array[0, 3],
        (family, given) => new PersonName { Family = family, Given = given });

    public static readonly Gen<ClinicalCode> Code = Gen.Select(Gen.Int[0, 2], Snomed, Icd10Cm, Text(60).Null(),
        (which, snomed, icd, text) => new ClinicalCode
        {
            Snomed = which == 1 ? null : snomed,
            Icd10Cm = which == 0 ? null : icd,
            Text = text,
        });

    public static readonly Gen<TreatedRegion> Region = Gen.Select(Gen.Enum<BodyRegion>(), Gen.Enum<Laterality>().Nullable(), Gen.Int[1, 120],
        (site, laterality, minutes) => new TreatedRegion(site, laterality, minutes));

    public static readonly Gen<PainScore> Pain = Gen.Select(Gen.Int[0, 10], Gen.Enum<MeasurementTiming>(), Gen.Enum<BodyRegion>().Nullable(),
        Gen.Enum<Laterality>().Nullable(), DateTime,
        (score, timing, site, laterality, takenAt) => new PainScore
        {
            Score = score, Timing = timing, Site = site, Laterality = site is null ? null : laterality, TakenAt = takenAt,
        });

    public static readonly Gen<RomMeasurement> Rom = Gen.Select(Gen.Enum<Joint>(), Gen.Enum<Movement>(), Gen.Enum<RomMode>(), Gen.Enum<Side>(),
        Degrees, Gen.Enum<MeasurementTiming>(), Gen.Enum<RomMethod>(), DateTime,
        (joint, movement, mode, side, degrees, timing, method, takenAt) => new RomMeasurement
        {
            Joint = joint, Movement = movement, Mode = mode, Side = side, Degrees = degrees, Timing = timing, Method = method,
            TakenAt = takenAt,
        });

    public static readonly Gen<ScreeningRecord> Screening = Gen.Select(DateTime, Gen.Enum<ScreeningResult>(),
        Gen.Select(Gen.Enum<FindingKind>(), Code, (k, c) => new ScreeningFinding(k, c)).Array[0, 3],
        Gen.Select(Text(40), Gen.Select(Uri, Code20, Text(40).Null(), (s, c, d) => new CodingRecord(s, c, d)).Null(),
            (n, c) => new MedicationRecord(n, c)).Array[0, 2],
        Gen.Select(Gen.Enum<AdverseOutcome>(), Gen.Enum<RiskProbability>(), (o, r) => new RiskPrediction(o, r)).Array[0, 3],
        Text(200).Null(),
        (at, result, findings, medications, predictions, mitigation) => new ScreeningRecord
        {
            PerformedAt = at, Result = result, Findings = findings, Medications = medications, Predictions = predictions,
            Mitigation = mitigation,
        });

    private static readonly Gen<(SessionStatus Status, string? Reason, DateTimeOffset Start, DateTimeOffset? End)> Timing =
        Gen.Select(Gen.Enum<SessionStatus>(), Text(100).Null(), DateTime, Gen.Int[0, 600].Nullable(), Gen.Int[-14 * 60, 14 * 60],
            (status, reason, start, minutes, endOffset) =>
            {
                var end = start.AddMinutes(minutes ?? 30).ToOffset(TimeSpan.FromMinutes(endOffset));
                return status == SessionStatus.NotDone
                    ? (status, reason ?? "Contraindicated", start, minutes is null ? null : end)
                    : (status, reason, start, (DateTimeOffset?)end);
            });

    private static readonly Gen<(Technique Technique, InstrumentRecord? Instrument)> Tool =
        Gen.Select(Gen.Enum<Technique>(), Text(30), Gen.Enum<ToolSystem>(),
            (technique, name, system) => (technique, technique == Technique.InstrumentAssisted ? new InstrumentRecord(name, system) : null));

    /// <summary>A valid session.</summary>
    public static readonly Gen<StmSession> Session =
        from who in Gen.Select(Uri, SessionId,
            Gen.Select(Identifier, Name, Gen.Int[0, 36_500], Gen.Enum<AdministrativeSex>(),
                (id, name, days, sex) => new PatientRecord { Identifier = id, Name = name, BirthDate = new DateOnly(1920, 1, 1).AddDays(days), Sex = sex }),
            Gen.Select(Identifier, Name, (id, name) => new ClinicianRecord { Identifier = id, Name = name }),
            Text(64).Null())
        from when in Timing
        from tool in Tool
        from how in Gen.Select(Text(200).Null(), Gen.Enum<Pressure>(), Gen.Enum<StrokeRhythm>(), Gen.Enum<StrokeType>().ArrayUnique[0, 6])
        from what in Gen.Select(Region.Array[1, 4], Code.Array[0, 3], Pain.Array[0, 4], Rom.Array[0, 6])
        from after in Gen.Select(Screening.Null(), Gen.Select(Gen.Enum<ComplicationKind>(), Text(100).Null(), (k, n) => new Complication(k, n)).Array[0, 3],
            Text(2000).Null())
        select new StmSession
        {
            SourceSystem = who.Item1, SessionId = who.Item2, Patient = who.Item3, Clinician = who.Item4, EncounterId = who.Item5,
            Status = when.Status, StatusReason = when.Reason, Start = when.Start, End = when.End,
            Technique = tool.Technique, Instrument = tool.Instrument,
            Lubricant = how.Item1, Pressure = how.Item2, StrokeRhythm = how.Item3, Strokes = how.Item4,
            Regions = what.Item1, Indications = what.Item2, PainScores = what.Item3, RomMeasurements = what.Item4,
            Screening = after.Item1, Complications = after.Item2, Notes = after.Item3,
        };
}
