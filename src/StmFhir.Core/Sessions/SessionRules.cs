namespace StmFhir.Core.Sessions;

/// <summary>
/// What the rules across a session's fields read: each value as read (null when absent or unreadable), and for a field a
/// rule requires, whether it was given at all: one given but unreadable is already reported, so not again as missing.
/// </summary>
internal readonly record struct CrossFields(SessionStatus? Status, bool StatusReasonGiven, DateTimeOffset? Start, DateTimeOffset? End,
    bool EndGiven, Technique? Technique, InstrumentRecord? Instrument, bool InstrumentGiven, IReadOnlyList<StrokeType> Strokes);

/// <summary>
/// The rules a session record keeps, whoever made it: the lengths, ranges and patterns of its values, and the rules across
/// its fields (a reason when not done, an end when done and not before the start, an instrument exactly when
/// instrument-assisted, no stroke type twice, a pain score's laterality only with its site, a SNOMED CT or ICD-10-CM code
/// in every clinical code). <see cref="StmSessionReader"/> applies them as it reads JSON; <see cref="Check"/> applies them
/// to a session made another way, e.g. mapped back from FHIR by pull. Each problem names its field by JSON path, in the
/// reader's words, so a session breaks the same rules whichever way it came.
/// </summary>
public static partial class SessionRules
{
    /// <summary>Every rule <paramref name="session"/> breaks, in the order the reader would report them; empty when none.</summary>
    /// <remarks>
    /// Enum members and dates are valid by construction (the reader and the mapper only make named members and real dates),
    /// and members the record declares non-nullable are taken as present.
    /// </remarks>
    public static IReadOnlyList<SessionProblem> Check(StmSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var check = new SessionRecordCheck();
        check.Uri("$.sourceSystem", session.SourceSystem);
        check.Matching("$.sessionId", session.SessionId, SessionId);
        check.Person("$.patient", session.Patient.Identifier, session.Patient.Name);
        check.Person("$.clinician", session.Clinician.Identifier, session.Clinician.Name);
        check.Text("$.encounterId", session.EncounterId, EncounterIdLength);
        check.Text("$.statusReason", session.StatusReason, TextLength);
        var instrumentRead = session.Instrument;
        if (session.Instrument is { } instrument && check.Text("$.instrument.name", instrument.Name, NameLength) is not null)
        {
            // As the reader: an instrument with a wrong name is not read, so it is not also reported as present when manual.
            instrumentRead = null;
        }
        check.Text("$.lubricant", session.Lubricant, NameLength);
        if (session.Regions.Count == 0)
        {
            check.Add("$.regions", "must have at least one item");
        }
        for (var i = 0; i < session.Regions.Count; i++)
        {
            check.Range($"$.regions[{i}].minutes", session.Regions[i].Minutes, MinMinutes, MaxMinutes);
        }
        for (var i = 0; i < session.Indications.Count; i++)
        {
            check.Code($"$.indications[{i}]", session.Indications[i]);
        }
        for (var i = 0; i < session.PainScores.Count; i++)
        {
            var pain = session.PainScores[i];
            check.Range($"$.painScores[{i}].score", pain.Score, MinScore, MaxScore);
            check.Add(LateralityWithoutSite($"$.painScores[{i}]", pain.Laterality, pain.Site is not null));
        }
        for (var i = 0; i < session.RomMeasurements.Count; i++)
        {
            check.Range($"$.romMeasurements[{i}].degrees", session.RomMeasurements[i].Degrees, MinDegrees, MaxDegrees);
        }
        if (session.Screening is { } screening)
        {
            check.Screening("$.screening", screening);
        }
        for (var i = 0; i < session.Complications.Count; i++)
        {
            check.Text($"$.complications[{i}].note", session.Complications[i].Note, NoteLength);
        }
        check.Text("$.notes", session.Notes, NotesLength);
        foreach (var problem in AcrossFields(new CrossFields(session.Status, session.StatusReason is not null, session.Start, session.End,
            session.End is not null, session.Technique, instrumentRead, session.Instrument is not null, session.Strokes)))
        {
            check.Add(problem);
        }
        return check.Problems;
    }

    /// <summary>The rules across the session's own fields: status and its reason and end, start and end, technique and instrument, strokes.</summary>
    internal static IEnumerable<SessionProblem> AcrossFields(CrossFields f)
    {
        if (f.Status == SessionStatus.NotDone && !f.StatusReasonGiven)
        {
            yield return new SessionProblem("$.statusReason", "is required when status is not-done");
        }
        if (f.Status is SessionStatus.Completed or SessionStatus.Stopped && !f.EndGiven)
        {
            yield return new SessionProblem("$.end", "is required when status is completed or stopped");
        }
        if (f.Start is { } start && f.End is { } end && end < start)
        {
            yield return new SessionProblem("$.end", "must not be before start");
        }
        if (f.Technique == Technique.InstrumentAssisted && !f.InstrumentGiven)
        {
            yield return new SessionProblem("$.instrument", "is required when technique is instrument-assisted");
        }
        if (f.Technique == Technique.Manual && f.Instrument is not null)
        {
            yield return new SessionProblem("$.instrument", "must be absent when technique is manual");
        }
        if (f.Strokes.Distinct().Count() != f.Strokes.Count)
        {
            yield return new SessionProblem("$.strokes", "must not list a stroke type twice");
        }
    }

    /// <summary>A pain score (at <paramref name="path"/>) may say which side only of a site it names.</summary>
    internal static SessionProblem? LateralityWithoutSite(string path, Laterality? laterality, bool siteGiven) =>
        laterality is not null && !siteGiven ? new SessionProblem(path + ".laterality", "needs a site") : null;

    /// <summary>A clinical code (at <paramref name="path"/>) needs a code from one of its two code systems; text alone is not coded.</summary>
    internal static SessionProblem? Uncoded(string path, string? snomed, string? icd10Cm) =>
        snomed is null && icd10Cm is null ? new SessionProblem(path, "must have a snomed or an icd10cm code") : null;
}
