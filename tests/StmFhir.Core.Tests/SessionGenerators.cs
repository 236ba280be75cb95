using CsCheck;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Tests;

/// <summary>CsCheck generators of valid STM sessions (every rule the reader enforces holds).</summary>
internal static class SessionGenerators
{
    private static readonly Gen<string> Word = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüñ'-0123456789"], 1, 12];

    /// <summary>Non-blank text with no leading or trailing whitespace, sometimes several words and odd characters.</summary>
    public static readonly Gen<string> Text = Word.Array[1, 4].Select(words => string.Join(' ', words));

    private static readonly Gen<string> Uri = Gen.OneOfConst(
        "https://pt.example-clinic.org/stm", "urn:oid:1.2.840.114350.1", "http://hl7.org/fhir/sid/us-npi",
        "https://example-hospital.org/mrn", "urn:uuid:6f1e0c1a-4a3b-4d6e-9d0c-1b2a3c4d5e6f");

    private static readonly Gen<string> Id = Gen.String[Gen.Char["ABCXYZabc0123456789._:-"], 1, 64];

    private static readonly Gen<string> Snomed = Gen.Long[100_000, 999_999_999_999].Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static readonly Gen<string> Icd10Cm = Gen.Select(Gen.Char["ABCDEFGHIJKLMNOPQRSTVWXYZ"], Gen.Int[0, 99], Gen.String[Gen.Char["0123456789X"], 0, 4])
        .Select((letter, number, suffix) => $"{letter}{number:00}" + (suffix.Length > 0 ? "." + suffix : ""));

    /// <summary>Any instant between 2000 and 2035, at a 15-minute-multiple offset, with up to 7 fractional digits.</summary>
    public static readonly Gen<DateTimeOffset> Instant = Gen.Select(Gen.Long[630_822_816_000_000_000, 641_000_000_000_000_000], Gen.Int[-48, 56])
        .Select((ticks, quarterHours) => new DateTimeOffset(ticks + TimeSpan.FromMinutes(15 * quarterHours).Ticks, TimeSpan.FromMinutes(15 * quarterHours)));

    private static readonly Gen<IdentifierRecord> Identifier = Gen.Select(Uri, Text).Select((s, v) => new IdentifierRecord(s, v));

    private static readonly Gen<PersonName> Name = Gen.Select(Text, Text.List[0, 3]).Select((f, g) => new PersonName { Family = f, Given = g });

    private static Gen<T?> Optional<T>(Gen<T> gen) where T : class => Gen.Frequency((1, Gen.Const((T?)null)), (2, gen.Select(v => (T?)v)));

    private static Gen<T?> OptionalValue<T>(Gen<T> gen) where T : struct => Gen.Frequency((1, Gen.Const((T?)null)), (2, gen.Select(v => (T?)v)));

    private static readonly Gen<ClinicalCode> Code = Gen.Select(Optional(Snomed), Optional(Icd10Cm), Optional(Text))
        .Where((s, i, _) => s is not null || i is not null)
        .Select((s, i, t) => new ClinicalCode { Snomed = s, Icd10Cm = i, Text = t });

    private static readonly Gen<TreatedRegion> Region = Gen.Select(Gen.Enum<BodyRegion>(), OptionalValue(Gen.Enum<Laterality>()), Gen.Int[1, 120])
        .Select((s, l, m) => new TreatedRegion(s, l, m));

    private static readonly Gen<PainScore> Pain = Gen.Select(Gen.Int[0, 10], Gen.Enum<MeasurementTiming>(), OptionalValue(Gen.Enum<BodyRegion>()), Gen.Enum<Laterality>(), Instant)
        .Select((score, timing, site, laterality, at) => new PainScore
        {
            Score = score, Timing = timing, Site = site, Laterality = site is null ? null : laterality, TakenAt = at,
        });

    private static readonly Gen<RomMeasurement> Rom = Gen.Select(Gen.Enum<Joint>(), Gen.Enum<Movement>(), Gen.Enum<RomMode>(), Gen.Enum<Side>(),
            Gen.Int[0, 36_000].Select(hundredths => hundredths / 100m), Gen.Enum<MeasurementTiming>(), Gen.Enum<RomMethod>(), Instant)
        .Select((joint, movement, mode, side, degrees, timing, method, at) => new RomMeasurement
        {
            Joint = joint, Movement = movement, Mode = mode, Side = side, Degrees = degrees, Timing = timing, Method = method, TakenAt = at,
        });

    private static readonly Gen<MedicationRecord> Medication = Gen.Select(Text, Optional(Gen.Select(Uri, Id, Optional(Text)).Select((s, c, d) => new CodingRecord(s, c, d))))
        .Select((name, code) => new MedicationRecord(name, code));

    private static readonly Gen<ScreeningRecord> Screening = Gen.Select(Instant, Gen.Enum<ScreeningResult>(),
            Gen.Select(Gen.Enum<FindingKind>(), Code).Select((k, c) => new ScreeningFinding(k, c)).List[0, 4],
            Medication.List[0, 3],
            Gen.Select(Gen.Enum<AdverseOutcome>(), Gen.Enum<RiskProbability>()).Select((o, r) => new RiskPrediction(o, r)).List[0, 3],
            Optional(Text))
        .Select((at, result, findings, medications, predictions, mitigation) => new ScreeningRecord
        {
            PerformedAt = at, Result = result, Findings = findings, Medications = medications, Predictions = predictions, Mitigation = mitigation,
        });

    private static readonly Gen<(SessionStatus Status, string? Reason, DateTimeOffset Start, DateTimeOffset? End)> Timing =
        Gen.Select(Gen.Enum<SessionStatus>(), Optional(Text), Instant, Gen.Long[0, TimeSpan.TicksPerHour * 2], Gen.Bool)
            .Select((status, reason, start, length, hasEnd) => status switch
            {
                SessionStatus.NotDone => (status, reason ?? "Contraindicated at screening", start, hasEnd ? start.AddTicks(length) : (DateTimeOffset?)null),
                _ => (status, reason, start, (DateTimeOffset?)start.AddTicks(length)),
            });

    private static readonly Gen<(Technique Technique, InstrumentRecord? Instrument)> TechniqueGen =
        Gen.Select(Gen.Enum<Technique>(), Text, Gen.Enum<ToolSystem>())
            .Select((t, name, system) => (t, t == Technique.InstrumentAssisted ? new InstrumentRecord(name, system) : null));

    /// <summary>A valid session.</summary>
    public static readonly Gen<StmSession> Session = Gen.Select(
            Gen.Select(Uri, Id, Gen.Select(Identifier, Name, Gen.Date[new DateTime(1920, 1, 1), new DateTime(2025, 12, 31)], Gen.Enum<AdministrativeSex>()),
                Gen.Select(Identifier, Name), Optional(Id)),
            Gen.Select(Timing, TechniqueGen, Optional(Text), Gen.Enum<Pressure>(), Gen.Enum<StrokeRhythm>(), Gen.Enum<StrokeType>().HashSet[0, 6]),
            Gen.Select(Region.List[1, 4], Code.List[0, 3], Pain.List[0, 4], Rom.List[0, 5], Optional(Screening)),
            Gen.Select(Gen.Select(Gen.Enum<ComplicationKind>(), Optional(Text)).Select((k, n) => new Complication(k, n)).List[0, 3], Optional(Text)))
        .Select((who, how, what, after) => new StmSession
        {
            SourceSystem = who.Item1,
            SessionId = who.Item2,
            Patient = new PatientRecord
            {
                Identifier = who.Item3.Item1, Name = who.Item3.Item2, BirthDate = DateOnly.FromDateTime(who.Item3.Item3), Sex = who.Item3.Item4,
            },
            Clinician = new ClinicianRecord { Identifier = who.Item4.Item1, Name = who.Item4.Item2 },
            EncounterId = who.Item5,
            Status = how.Item1.Status,
            StatusReason = how.Item1.Reason,
            Start = how.Item1.Start,
            End = how.Item1.End,
            Technique = how.Item2.Technique,
            Instrument = how.Item2.Instrument,
            Lubricant = how.Item3,
            Pressure = how.Item4,
            StrokeRhythm = how.Item5,
            Strokes = [.. how.Item6],
            Regions = what.Item1,
            Indications = what.Item2,
            PainScores = what.Item3,
            RomMeasurements = what.Item4,
            Screening = what.Item5,
            Complications = after.Item1,
            Notes = after.Item2,
        });
}
