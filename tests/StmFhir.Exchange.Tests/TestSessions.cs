using StmFhir.Core.Sessions;

namespace StmFhir.Exchange.Tests;

/// <summary>Valid STM sessions for exchange tests, each with its own identity.</summary>
internal static class TestSessions
{
    public const string SourceSystem = "https://pt.example-clinic.org/stm";

    private static readonly DateTimeOffset Start = new(2025, 3, 14, 9, 30, 0, TimeSpan.FromHours(1));

    /// <summary>
    /// A completed IASTM session with a screening (one finding) and the given numbers of pain scores and ROM
    /// measurements. Its transaction Bundle has 2 + 1 + pain + rom + 2 entries, Patient and Practitioner conditional.
    /// Patient and clinician identifiers derive from <paramref name="sessionId"/> unless given.
    /// </summary>
    public static StmSession Session(string sessionId, int painScores = 0, int romMeasurements = 0, string? patientMrn = null, string? clinicianId = null) => new()
    {
        SourceSystem = SourceSystem,
        SessionId = sessionId,
        Patient = new PatientRecord
        {
            Identifier = new IdentifierRecord("https://example-hospital.org/mrn", patientMrn ?? $"MRN-{sessionId}"),
            Name = new PersonName { Family = "Lindqvist", Given = ["Maja"] },
            BirthDate = new DateOnly(1984, 6, 2),
            Sex = AdministrativeSex.Female,
        },
        Clinician = new ClinicianRecord
        {
            Identifier = new IdentifierRecord("https://pt.example-clinic.org/staff", clinicianId ?? $"staff-{sessionId}"),
            Name = new PersonName { Family = "Okafor", Given = ["Chidi"] },
        },
        Status = SessionStatus.Completed,
        Start = Start,
        End = Start.AddMinutes(25),
        Technique = Technique.InstrumentAssisted,
        Instrument = new InstrumentRecord("GT-3", ToolSystem.Graston),
        Lubricant = "emollient cream",
        Pressure = Pressure.Moderate,
        StrokeRhythm = StrokeRhythm.Rhythmic,
        Strokes = [StrokeType.Sweep, StrokeType.JStroke],
        Regions = [new TreatedRegion(BodyRegion.Elbow, Laterality.Right, 12)],
        Indications = [new ClinicalCode { Snomed = "202855006", Icd10Cm = "M77.11", Text = "Lateral epicondylitis, right elbow" }],
        PainScores =
        [
            .. Enumerable.Range(0, painScores).Select(i => new PainScore
            {
                Score = 6 - i % 4,
                Timing = i % 2 == 0 ? MeasurementTiming.Pre : MeasurementTiming.Post,
                Site = BodyRegion.Elbow,
                Laterality = Laterality.Right,
                TakenAt = Start.AddMinutes(i * 5),
            }),
        ],
        RomMeasurements =
        [
            .. Enumerable.Range(0, romMeasurements).Select(i => new RomMeasurement
            {
                Joint = Joint.Elbow,
                Movement = Movement.Flexion,
                Mode = RomMode.Active,
                Side = Side.Right,
                Degrees = 130 + i,
                Timing = MeasurementTiming.Pre,
                Method = RomMethod.Goniometer,
                TakenAt = Start.AddMinutes(i),
            }),
        ],
        Screening = new ScreeningRecord
        {
            PerformedAt = Start.AddMinutes(-10),
            Result = ScreeningResult.Cleared,
            Findings = [new ScreeningFinding(FindingKind.Precaution, new ClinicalCode { Icd10Cm = "Z79.01", Text = "Long-term anticoagulant use" })],
        },
    };
}
