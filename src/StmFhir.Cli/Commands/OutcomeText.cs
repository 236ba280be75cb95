using System.Globalization;
using StmFhir.Core.Outcomes;

namespace StmFhir.Cli.Commands;

/// <summary>An <see cref="OutcomeReport"/> as plain text tables for the terminal.</summary>
internal static class OutcomeText
{
    public static string Of(OutcomeReport report)
    {
        var text = new System.Text.StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.AppendLine(culture, $"Patient/{report.PatientId}: {report.Sessions.Count} STM session{(report.Sessions.Count == 1 ? "" : "s")}");
        foreach (var session in report.Sessions)
        {
            text.AppendLine(culture, $"  {session.Number,3}  {session.Start:yyyy-MM-dd}  Procedure/{session.ProcedureId}");
        }
        foreach (var measure in report.Series.GroupBy(s => s.Measure))
        {
            var first = measure.First();
            var range = first.NormalMax is { } max ? $", normal 0-{max} deg" : "";
            text.AppendLine().AppendLine(culture, $"{measure.Key.Key} ({(measure.Key.IsPain ? "NRS 0-10" : "degrees")}{range})");
            text.AppendLine("  timing     session  value  change  assessment");
            foreach (var series in measure)
            {
                foreach (var point in series.Points)
                {
                    var change = point.Change is { } c ? (c > 0 ? "+" : "") + c.ToString(culture) : "";
                    var assessment = point.Assessment is { } a ? OutcomeParameters.Code(a) : "first";
                    text.AppendLine(culture, $"  {Timing(series.Timing),-10} {point.Session,7}  {point.Value,5}  {change,6}  {assessment}");
                }
            }
            text.AppendLine(culture, $"  Threshold: {(measure.Key.IsPain ? OutcomeThresholds.PainRule : OutcomeThresholds.RomRule)}");
        }
        if (report.Durability.Count > 0)
        {
            text.AppendLine().AppendLine("Post-session gain held at follow-up?");
            foreach (var d in report.Durability)
            {
                var held = d.Held switch { true => "held", false => "not held", null => "no important gain to hold" };
                text.AppendLine(culture,
                    $"  {d.Measure.Key} session {d.Session}: pre {d.Pre}, post {d.Post} ({OutcomeParameters.Code(d.PostGain)}), follow-up {d.FollowUp}: {held}");
            }
        }
        return text.ToString();
    }

    private static string Timing(Core.Sessions.MeasurementTiming timing) => timing switch
    {
        Core.Sessions.MeasurementTiming.Pre => "pre",
        Core.Sessions.MeasurementTiming.Post => "post",
        _ => "follow-up",
    };
}
