using CsCheck;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Tests.Sessions;

/// <summary>
/// <see cref="SessionRules.Check"/> finds on a session record exactly what the reader finds in the same session written
/// as JSON (the round trip pull made before it called the rules itself): the same problems, paths, words and order.
/// </summary>
public sealed class SessionRulesTests
{
    // Texts that break one rule or another of some field, and some that break none.
    private static readonly Gen<string> Value = Gen.OneOfConst("", "  ", " leading", "trailing ", "bell\u0007", "delete\u007F",
        "tab\tand\nline", new string('x', 65), new string('y', 201), new string('z', 501), new string('w', 1001), new string('v', 2001),
        new string('u', 10_001), "not a uri", "/stm", @"c:\stm", "https://pt.example-clinic.org/stm", "12345", "202855006", "M77.12",
        "M77.", "two  spaces", "ok");

    private static ScreeningRecord ScreeningOf(StmSession s) =>
        s.Screening ?? new ScreeningRecord { PerformedAt = s.Start, Result = Enum.GetValues<ScreeningResult>()[0] };

    private static MedicationRecord MedicationOf(StmSession s) =>
        ScreeningOf(s).Medications.FirstOrDefault() ?? new MedicationRecord("Warfarin", null);

    private static StmSession WithMedication(StmSession s, MedicationRecord medication) =>
        s with { Screening = ScreeningOf(s) with { Medications = [medication, .. ScreeningOf(s).Medications.Skip(1)] } };

    private static readonly Func<StmSession, string, StmSession>[] s_breaks =
    [
        (s, x) => s with { SourceSystem = x },
        (s, x) => s with { SessionId = x },
        (s, x) => s with { Patient = s.Patient with { Identifier = s.Patient.Identifier with { System = x } } },
        (s, x) => s with { Patient = s.Patient with { Identifier = s.Patient.Identifier with { Value = x } } },
        (s, x) => s with { Clinician = s.Clinician with { Name = s.Clinician.Name with { Family = x } } },
        (s, x) => s with { Patient = s.Patient with { Name = s.Patient.Name with { Given = [.. s.Patient.Name.Given, x] } } },
        (s, x) => s with { EncounterId = x },
        (s, x) => s with { StatusReason = x },
        (s, x) => s with { Instrument = new InstrumentRecord(x, Enum.GetValues<ToolSystem>()[0]) },
        (s, x) => s with { Lubricant = x },
        (s, x) => s with { Notes = x },
        (s, _) => s with { Regions = [] },
        (s, x) => s with { Regions = [.. s.Regions, new TreatedRegion(Enum.GetValues<BodyRegion>()[0], null, x.Length % 140 - 10)] },
        (s, x) => s with { Indications = [.. s.Indications, new ClinicalCode { Snomed = x }] },
        (s, x) => s with { Indications = [new ClinicalCode { Icd10Cm = x, Text = x }, .. s.Indications] },
        (s, x) => s with { Indications = [.. s.Indications, new ClinicalCode { Text = x }] },
        (s, x) => s with { PainScores = [.. s.PainScores, new PainScore { Score = x.Length % 14 - 2, Timing = default, TakenAt = s.Start }] },
        (s, _) => s with { PainScores = [new PainScore { Score = 3, Timing = default, Laterality = Laterality.Left, TakenAt = s.Start }, .. s.PainScores] },
        (s, x) => s with { RomMeasurements = [.. s.RomMeasurements, new RomMeasurement
        {
            Joint = default, Movement = default, Mode = default, Side = default, Degrees = x.Length * 0.37m - 5, Timing = default,
            Method = default, TakenAt = s.Start,
        }] },
        (s, x) => s with { Screening = ScreeningOf(s) with { Findings = [new ScreeningFinding(default, new ClinicalCode { Snomed = x }), .. ScreeningOf(s).Findings] } },
        (s, x) => s with { Screening = ScreeningOf(s) with { Findings = [.. ScreeningOf(s).Findings, new ScreeningFinding(default, new ClinicalCode { Text = x })] } },
        (s, x) => WithMedication(s, MedicationOf(s) with { Name = x }),
        (s, x) => WithMedication(s, MedicationOf(s) with { Code = new CodingRecord(x, "1191", null) }),
        (s, x) => WithMedication(s, MedicationOf(s) with { Code = new CodingRecord("http://www.nlm.nih.gov/research/umls/rxnorm", x, x) }),
        (s, x) => s with { Screening = ScreeningOf(s) with { Mitigation = x } },
        (s, x) => s with { Complications = [.. s.Complications, new Complication(default, x)] },
        (s, _) => s with { Status = SessionStatus.NotDone, StatusReason = null },
        (s, _) => s with { Status = SessionStatus.Stopped, End = null },
        (s, _) => s with { End = s.Start.AddSeconds(-1) },
        (s, _) => s with { Technique = Technique.InstrumentAssisted, Instrument = null },
        (s, _) => s with { Technique = Technique.Manual, Instrument = new InstrumentRecord("Graston GT-3", Enum.GetValues<ToolSystem>()[0]) },
        (s, _) => s with { Strokes = [.. s.Strokes, Enum.GetValues<StrokeType>()[0], Enum.GetValues<StrokeType>()[0]] },
    ];

    private static readonly Gen<StmSession> Broken =
        Gen.Select(StmSessionGen.Session, Gen.Select(Gen.Int[0, s_breaks.Length - 1], Value).Array[0, 4],
            (session, breaks) => breaks.Aggregate(session, (s, b) => s_breaks[b.Item1](s, b.Item2)));

    [Fact]
    public void Check_AnySessionWithAnyBrokenRules_FindsWhatTheReaderFindsInItsJson() =>
        Broken.Sample(session =>
        {
            var read = StmSessionReader.Read(StmSessionWriter.Write(session));

            Assert.Equal(read.Problems.Select(p => p.ToString()), SessionRules.Check(session).Select(p => p.ToString()));
        }, iter: 3000);

    [Fact]
    public void Check_EveryBreak_IsFoundByTheReaderAndTheRules()
    {
        var session = SampleFiles.Session("04-patellar-tendinopathy-anticoagulant-bruising.json");
        for (var i = 0; i < s_breaks.Length; i++)
        {
            var broken = s_breaks[i](session, i == 1 ? "not an id!" : "");

            var problems = SessionRules.Check(broken).Select(p => p.ToString()).ToList();

            Assert.True(problems.Count > 0, $"break {i} broke no rule");
            Assert.Equal(StmSessionReader.Read(StmSessionWriter.Write(broken)).Problems.Select(p => p.ToString()), problems);
        }
    }

    [Fact]
    public void Check_AnyValidSession_FindsNothing() =>
        StmSessionGen.Session.Sample(session => Assert.Empty(SessionRules.Check(session)), iter: 500);

    [Fact]
    public void Check_ASessionBreakingRulesAcrossFields_NamesEachWithItsPath()
    {
        var session = SampleFiles.Session("01-lateral-epicondylitis-iastm.json") with
        {
            Status = SessionStatus.NotDone,
            StatusReason = null,
            End = SampleFiles.Session("01-lateral-epicondylitis-iastm.json").Start.AddMinutes(-5),
            Technique = Technique.Manual,
        };

        Assert.Equal(["$.statusReason: is required when status is not-done", "$.end: must not be before start", "$.instrument: must be absent when technique is manual"],
            SessionRules.Check(session).Select(p => p.ToString()));
    }
}
