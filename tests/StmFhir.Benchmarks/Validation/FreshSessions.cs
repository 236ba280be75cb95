using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;

namespace StmFhir.Benchmarks.Validation;

/// <summary>
/// Session Bundles no validator has seen before: the sample sessions with a new session id, patient, clinician
/// identifier and birth date, and every time moved by a different number of minutes and seconds, so identifiers,
/// references, dates and times are new values each time (codes, units and statuses repeat, as in production).
/// </summary>
internal sealed class FreshSessions
{
    private readonly IReadOnlyList<StmSession> _samples;
    private int _next;

    public FreshSessions() => _samples = [.. Directory.GetFiles(RepoFiles.Samples("sessions"), "*.json").Order(StringComparer.Ordinal)
        .Select(f => StmSessionReader.Read(File.ReadAllBytes(f)).Session).OfType<StmSession>()];

    public int Count => _samples.Count;

    /// <summary>One round: every sample session once, all values that identify or time it new.</summary>
    public IReadOnlyList<Bundle> NextRound() => [.. _samples.Select(s => StmBundleMapper.ToBundle(Vary(s, Interlocked.Increment(ref _next))))];

    private static StmSession Vary(StmSession s, int n)
    {
        var shift = TimeSpan.FromMinutes(n * 7) + TimeSpan.FromSeconds(n % 60);
        return s with
        {
            SessionId = $"{s.SessionId}-fresh-{n}",
            Patient = s.Patient with
            {
                Identifier = s.Patient.Identifier with { Value = $"FRESH-MRN-{n}" },
                BirthDate = s.Patient.BirthDate.AddDays(n % 3000),
            },
            Clinician = s.Clinician with { Identifier = s.Clinician.Identifier with { Value = $"FRESH-NPI-{n}" } },
            Start = s.Start + shift,
            End = s.End + shift,
            PainScores = [.. s.PainScores.Select(p => p with { TakenAt = p.TakenAt + shift })],
            RomMeasurements = [.. s.RomMeasurements.Select(r => r with { TakenAt = r.TakenAt + shift })],
            Screening = s.Screening is null ? null : s.Screening with { PerformedAt = s.Screening.PerformedAt + shift },
        };
    }
}
