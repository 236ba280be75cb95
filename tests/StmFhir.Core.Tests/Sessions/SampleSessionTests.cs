using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Tests.Sessions;

/// <summary>Each file in samples/sessions is a test case: it reads cleanly, survives a write, and makes clinical sense.</summary>
public sealed partial class SampleSessionTests
{
    public static TheoryData<string> Samples => SampleFiles.SessionNames();

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_Read_HasNoProblems(string name)
    {
        var result = StmSessionReader.Read(SampleFiles.Bytes(name));

        Assert.Empty(result.Problems);
        Assert.True(result.IsValid);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_WriteThenRead_GivesTheSameJson(string name)
    {
        var written = StmSessionWriter.Write(SampleFiles.Session(name));

        var reread = StmSessionReader.Read(written);

        Assert.Empty(reread.Problems);
        Assert.Equal(written, StmSessionWriter.Write(reread.Session!));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_Written_HoldsEveryValueOfTheFile(string name)
    {
        var written = JsonNode.Parse(StmSessionWriter.Write(SampleFiles.Session(name)))!;

        var expected = Normalize(SampleFiles.Node(name));
        var actual = Normalize(written);

        Assert.True(JsonNode.DeepEquals(expected, actual), $"file:\n{expected}\nwritten:\n{actual}");
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_FileName_IsNumberedKebabCase(string name) =>
        Assert.Matches(@"^[0-9]{2}-[a-z0-9]+(-[a-z0-9]+)*\.json$", name);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_PointsAtTheSchema(string name) =>
        Assert.Equal("../stm-session.schema.json", (string?)SampleFiles.Node(name)["$schema"]);

    [Fact]
    public void Samples_HaveDistinctSessionIdentities()
    {
        var keys = SampleFiles.AllSessions().Select(s => (s.SourceSystem, s.SessionId)).ToList();

        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.True(keys.Count >= 12, $"only {keys.Count} samples");
    }

    [Fact]
    public void Samples_UseFictionalButWellFormedIdentifiers()
    {
        foreach (var s in SampleFiles.AllSessions())
        {
            Assert.Equal("https://example-hospital.org/mrn", s.Patient.Identifier.System);
            Assert.Equal("http://hl7.org/fhir/sid/us-npi", s.Clinician.Identifier.System);
            Assert.True(IsLuhnValidNpi(s.Clinician.Identifier.Value), $"{s.SessionId}: NPI {s.Clinician.Identifier.Value}");
            Assert.Contains("example", s.SourceSystem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Samples_MixUtcOffsets()
    {
        var texts = SampleFiles.Names().Select(SampleFiles.Text).ToList();

        Assert.Contains(texts, t => t.Contains(":00Z\"", StringComparison.Ordinal));
        Assert.Contains(texts, t => PositiveOffset().IsMatch(t));
        Assert.Contains(texts, t => NegativeOffset().IsMatch(t));
        Assert.All(texts, t => Assert.DoesNotMatch(@"T[0-9]{2}:[0-9]{2}""", t));
    }

    /// <summary>
    /// The codes the samples use, each as docs/TERMINOLOGY.md lists it (the lateral ICD codes expand its G56.0x and M75.0x
    /// to right 1 / left 2; M76.5x and M65.4 and R20.1 are M confidence there).
    /// </summary>
    private static readonly HashSet<string> s_terminologySnomed =
    [
        "202855006", "73583000", "202882003", "11654001", "57406009", "414033006", "399114005", "1237306007", "813001",
        "711150003", "182764009", "64859006", "386033004", "105969002", "125643001", "363346000", "128053003", "64156001",
        "125605004", "302941001", "128060009", "234097001", "38341003", "60168000", "35566002", "709044004", "73211009",
        "77386006", "69896004", "128200000", "271813007",
    ];

    private static readonly HashSet<string> s_terminologyIcd =
    [
        "M77.11", "M77.12", "M77.01", "M77.02", "M72.2", "M76.61", "M76.62", "G56.01", "G56.02", "M75.41", "M75.42",
        "M75.01", "M75.02", "M76.51", "M76.52", "M65.4", "M72.0", "Z79.01", "R20.1",
    ];

    [Fact]
    public void Samples_UseOnlyCodesFromTerminology()
    {
        foreach (var s in SampleFiles.AllSessions())
        {
            var codes = s.Indications.Concat(s.Screening?.Findings.Select(f => f.Code) ?? []);
            foreach (var code in codes)
            {
                Assert.True(code.Snomed is null || s_terminologySnomed.Contains(code.Snomed), $"{s.SessionId}: SNOMED {code.Snomed}");
                Assert.True(code.Icd10Cm is null || s_terminologyIcd.Contains(code.Icd10Cm), $"{s.SessionId}: ICD {code.Icd10Cm}");
            }
        }
    }

    [Fact]
    public void Samples_TogetherCoverEveryValueTheBriefAsksFor()
    {
        var all = SampleFiles.AllSessions().ToList();

        AssertCovers(all.Select(s => s.Status));
        AssertCovers(all.Select(s => s.Technique));
        AssertCovers(all.Where(s => s.Instrument is not null).Select(s => s.Instrument!.ToolSystem));
        AssertCovers(all.Select(s => s.Pressure));
        AssertCovers(all.Select(s => s.StrokeRhythm));
        AssertCovers(all.SelectMany(s => s.Strokes));
        AssertCovers(all.SelectMany(s => s.PainScores).Select(p => p.Timing));
        AssertCovers(all.SelectMany(s => s.RomMeasurements).Select(r => (r.Mode, r.Side)));
        AssertCovers(all.SelectMany(s => s.RomMeasurements).Select(r => r.Joint));
        AssertCovers(all.SelectMany(s => s.RomMeasurements).Select(r => r.Method));
        AssertCovers(all.SelectMany(s => s.Regions).Where(r => r.Laterality is not null).Select(r => r.Laterality!.Value));
        AssertCovers(all.Select(s => s.Screening!.Result));
        AssertCovers(all.SelectMany(s => s.Screening!.Findings).Select(f => f.Kind));
        AssertCovers(all.SelectMany(s => s.Complications).Select(c => c.Kind));
        AssertCovers(all.SelectMany(s => s.Screening!.Predictions).Select(p => p.Outcome));
        Assert.Contains(all, s => s.Screening!.Medications.Any(m => m.Code is not null));
        Assert.Contains(all, s => s.Screening!.Medications.Any(m => m.Code is null));
        Assert.Contains(all, s => s.Indications.Any(c => c.Snomed is null));
        Assert.Contains(all, s => s.Indications.Any(c => c.Icd10Cm is null));
        Assert.Contains(all, s => s.Indications.Any(c => c.Snomed is not null && c.Icd10Cm is not null));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_IsClinicallyCoherent(string name)
    {
        var s = SampleFiles.Session(name);
        var screening = Assert.IsType<ScreeningRecord>(s.Screening);

        Assert.InRange(s.Start - screening.PerformedAt, TimeSpan.Zero, TimeSpan.FromMinutes(30));
        Assert.Equal(s.Technique == Technique.InstrumentAssisted, s.Instrument is not null);
        Assert.Equal(screening.Result == ScreeningResult.Cleared, screening.Findings.Count == 0);
        Assert.Equal(screening.Result == ScreeningResult.Contraindicated, screening.Findings.Any(f => f.Kind == FindingKind.Contraindication));
        if (s.Status == SessionStatus.NotDone)
        {
            Assert.Null(s.End);
            Assert.NotNull(s.StatusReason);
            Assert.Equal(ScreeningResult.Contraindicated, screening.Result);
            Assert.Empty(s.Complications);
            Assert.DoesNotContain(s.PainScores.Concat<object>(s.RomMeasurements), m => TimingOf(m) != MeasurementTiming.Pre);
        }
        else
        {
            Assert.InRange(s.End!.Value - s.Start, TimeSpan.FromMinutes(1), TimeSpan.FromHours(2));
            Assert.NotEqual(ScreeningResult.Contraindicated, screening.Result);
        }
        var end = s.End ?? s.Start;
        foreach (var (timing, takenAt) in s.PainScores.Select(p => (p.Timing, p.TakenAt)).Concat(s.RomMeasurements.Select(r => (r.Timing, r.TakenAt))))
        {
            var window = timing switch
            {
                MeasurementTiming.Pre => (From: screening.PerformedAt, To: s.Start),
                MeasurementTiming.Post => (From: end, To: end.AddMinutes(30)),
                _ => (From: end.AddDays(1), To: end.AddDays(90)),
            };
            Assert.InRange(takenAt, window.From, window.To);
        }
        foreach (var group in s.PainScores.GroupBy(p => (p.Site, p.Laterality)))
        {
            if (group.FirstOrDefault(p => p.Timing == MeasurementTiming.Pre) is { } pre
                && group.FirstOrDefault(p => p.Timing == MeasurementTiming.Post) is { } post)
            {
                Assert.True(post.Score <= pre.Score + 1, $"post pain {post.Score} well above pre pain {pre.Score}");
            }
        }
        foreach (var rom in s.RomMeasurements)
        {
            Assert.True(s_normalMaxDegrees.TryGetValue((rom.Joint, rom.Movement), out var max), $"{rom.Joint} {rom.Movement} is not a movement of that joint");
            Assert.InRange(rom.Degrees, 0m, max);
        }
    }

    /// <summary>Upper ends of normal active ranges (AAOS), as the brief lists them.</summary>
    private static readonly Dictionary<(Joint, Movement), decimal> s_normalMaxDegrees = new()
    {
        [(Joint.Shoulder, Movement.Flexion)] = 180, [(Joint.Shoulder, Movement.Extension)] = 60,
        [(Joint.Shoulder, Movement.Abduction)] = 180, [(Joint.Shoulder, Movement.ExternalRotation)] = 90,
        [(Joint.Shoulder, Movement.InternalRotation)] = 70,
        [(Joint.Elbow, Movement.Flexion)] = 150, [(Joint.Elbow, Movement.Extension)] = 10,
        [(Joint.Elbow, Movement.Supination)] = 80, [(Joint.Elbow, Movement.Pronation)] = 80,
        [(Joint.Wrist, Movement.Flexion)] = 80, [(Joint.Wrist, Movement.Extension)] = 70,
        [(Joint.Wrist, Movement.RadialDeviation)] = 20, [(Joint.Wrist, Movement.UlnarDeviation)] = 35,
        [(Joint.Knee, Movement.Flexion)] = 135, [(Joint.Knee, Movement.Extension)] = 10,
        [(Joint.Ankle, Movement.Dorsiflexion)] = 20, [(Joint.Ankle, Movement.Plantarflexion)] = 50,
        [(Joint.Ankle, Movement.Inversion)] = 35, [(Joint.Ankle, Movement.Eversion)] = 20,
    };

    private static MeasurementTiming TimingOf(object measurement) => measurement switch
    {
        PainScore p => p.Timing,
        RomMeasurement r => r.Timing,
        _ => throw new ArgumentOutOfRangeException(nameof(measurement)),
    };

    private static void AssertCovers<T>(IEnumerable<T> seen) where T : notnull
    {
        var all = AllValues<T>();
        var missing = all.Except(seen).ToList();
        Assert.True(missing.Count == 0, $"no sample has {typeof(T).Name} {string.Join(", ", missing)}");
    }

    private static IEnumerable<T> AllValues<T>()
    {
        if (typeof(T).IsEnum)
        {
            return Enum.GetValues(typeof(T)).Cast<T>();
        }
        // (RomMode, Side): every combination.
        return Enum.GetValues<RomMode>().SelectMany(m => Enum.GetValues<Side>().Select(side => (m, side))).Cast<T>();
    }

    private static bool IsLuhnValidNpi(string npi)
    {
        if (npi.Length != 10 || !npi.All(char.IsAsciiDigit))
        {
            return false;
        }
        // An NPI's check digit is the Luhn digit of "80840" + its first nine digits.
        var digits = "80840" + npi;
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1)
            {
                d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            }
            sum += d;
        }
        return sum % 10 == 0;
    }

    /// <summary>
    /// What the writer legitimately changes: it drops $schema, writes absent lists as [], and writes UTC as +00:00
    /// rather than Z. Everything else must survive.
    /// </summary>
    private static JsonNode? Normalize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    if (key == "$schema" || value is JsonArray { Count: 0 })
                    {
                        continue;
                    }
                    copy[key] = Normalize(value);
                }
                return copy;
            case JsonArray array:
                return new JsonArray([.. array.Select(Normalize)]);
            case JsonValue value when value.TryGetValue<string>(out var text) && DateTimeText().IsMatch(text):
                return JsonValue.Create(DateTimeOffset.Parse(text, CultureInfo.InvariantCulture).ToString("O", CultureInfo.InvariantCulture));
            default:
                return node?.DeepClone();
        }
    }

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{2}-[0-9]{2}T")]
    private static partial Regex DateTimeText();

    [GeneratedRegex(@"T[0-9:]{8}\+[0-9]{2}:[0-9]{2}""")]
    private static partial Regex PositiveOffset();

    [GeneratedRegex(@"T[0-9:]{8}-[0-9]{2}:[0-9]{2}""")]
    private static partial Regex NegativeOffset();
}
