using StmFhir.Core.Sessions;
using StmFhir.Core.Validation.Clinical;

namespace StmFhir.Core.Outcomes;

/// <summary>
/// A patient's pain and range of motion across their STM sessions: per measure and timing, one value per session, its
/// change from the first session judged against <see cref="OutcomeThresholds"/>, and whether post-session gains held at
/// follow-up. Pure: the caller reads the patient's Procedures and Observations (by patient, through the store's index).
/// </summary>
public static class OutcomeTrends
{
    /// <summary>The trends of <paramref name="patientId"/> from its STM sessions and their pain and ROM values (<see cref="OutcomeJson"/>).</summary>
    /// <remarks>
    /// Values belong to the session whose Procedure they are <c>partOf</c>; others are left out. Where a session holds
    /// several values of one measure at one timing (pain rated at two sites), the highest counts: the worst pain, the
    /// furthest movement.
    /// </remarks>
    public static OutcomeReport Compute(string patientId, IEnumerable<SessionStart> starts, IEnumerable<MeasuredValue> measured)
    {
        ArgumentNullException.ThrowIfNull(starts);
        ArgumentNullException.ThrowIfNull(measured);
        var sessions = starts
            .OrderBy(s => s.Start).ThenBy(s => s.ProcedureId, StringComparer.Ordinal)
            .Select((s, i) => new OutcomeSession(i + 1, s.ProcedureId, s.Start))
            .ToList();
        var byProcedure = sessions.ToDictionary(s => s.ProcedureId, StringComparer.Ordinal);
        var series = measured
            .Where(v => byProcedure.ContainsKey(v.ProcedureId))
            .GroupBy(v => (v.Measure, v.Timing))
            .OrderBy(g => g.Key.Measure.IsPain ? 0 : 1).ThenBy(g => g.Key.Measure.Key, StringComparer.Ordinal).ThenBy(g => g.Key.Timing)
            .Select(g => Series(g.Key.Measure, g.Key.Timing, g.GroupBy(v => v.ProcedureId)
                .Select(s => s.MaxBy(v => v.Value)!)
                .Select(v => (Session: byProcedure[v.ProcedureId], v.TakenAt, v.Value))
                .OrderBy(v => v.Session.Number)))
            .ToList();
        return new OutcomeReport(patientId, sessions, series, Durability(series));
    }

    private static OutcomeSeries Series(OutcomeMeasure measure, MeasurementTiming timing,
        IEnumerable<(OutcomeSession Session, DateTimeOffset At, decimal Value)> values)
    {
        var points = new List<OutcomePoint>();
        foreach (var (session, at, value) in values)
        {
            var first = points.Count == 0 ? (decimal?)null : points[0].Value;
            points.Add(new OutcomePoint(session.Number, session.ProcedureId, at, value, value - first,
                first is { } from ? OutcomeThresholds.Assess(measure.IsPain, from, value) : null));
        }
        var normalMax = measure.Rom is { } rom ? RomReferenceRanges.NormalMax(rom.Joint, rom.Movement) : null;
        return new OutcomeSeries(measure, timing, normalMax, points);
    }

    private static List<GainDurability> Durability(List<OutcomeSeries> series)
    {
        // Each series' points by session, so that finding a session's post and follow-up values is a lookup, not a walk.
        var points = series.ToDictionary(s => (s.Measure, s.Timing), s => s.Points.ToDictionary(p => p.Session));
        OutcomePoint? At(OutcomeMeasure measure, MeasurementTiming timing, int session) =>
            points.TryGetValue((measure, timing), out var bySession) && bySession.TryGetValue(session, out var point) ? point : null;
        var found = new List<GainDurability>();
        foreach (var pres in series.Where(s => s.Timing == MeasurementTiming.Pre))
        {
            var measure = pres.Measure;
            foreach (var pre in pres.Points)
            {
                if (At(measure, MeasurementTiming.Post, pre.Session) is { } post && At(measure, MeasurementTiming.FollowUp, pre.Session) is { } followUp)
                {
                    found.Add(new GainDurability(measure, pre.Session, pre.ProcedureId, pre.Value, post.Value, followUp.Value,
                        OutcomeThresholds.Assess(measure.IsPain, pre.Value, post.Value),
                        OutcomeThresholds.Assess(measure.IsPain, pre.Value, followUp.Value)));
                }
            }
        }
        return found;
    }
}
