using System.Globalization;
using StmFhir.Core.Outcomes;
using StmFhir.Core.Sessions;

namespace StmFhir.Exchange.Outcomes;

/// <summary>
/// How an <see cref="OutcomeEntry"/> is kept in a row of <c>outcome_points</c>, as text columns that read back to the
/// same values: the measure as <c>pain</c> or <c>rom|Joint|Movement|Side|Mode</c> (the enums' names), times in
/// round-trip format (the offset kept), values in invariant decimal text. A change of this format changes
/// <see cref="Format"/>, which makes the store rebuild the table from the stored resources.
/// </summary>
internal static class OutcomePointRow
{
    /// <summary>The row format's version, kept in <c>outcome_points_format</c>.</summary>
    public const int Format = 1;

    private const string Pain = "pain";

    public static string Measure(OutcomeMeasure measure) => measure.Rom is { } rom
        ? string.Join('|', "rom", rom.Joint, rom.Movement, rom.Side, rom.Mode)
        : Pain;

    public static OutcomeMeasure? ReadMeasure(string text)
    {
        if (text == Pain)
        {
            return OutcomeMeasure.Pain;
        }
        var parts = text.Split('|');
        return parts is ["rom", var joint, var movement, var side, var mode]
            && Enum.TryParse<Joint>(joint, out var j) && Enum.TryParse<Movement>(movement, out var m)
            && Enum.TryParse<Side>(side, out var s) && Enum.TryParse<RomMode>(mode, out var r)
            ? new OutcomeMeasure(new RomKey(j, m, s, r))
            : null;
    }

    public static string Timing(MeasurementTiming timing) => timing.ToString();

    public static MeasurementTiming? ReadTiming(string text) => Enum.TryParse<MeasurementTiming>(text, out var timing) ? timing : null;

    public static string Time(DateTimeOffset value) => value.ToString("o", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ReadTime(string text) =>
        DateTimeOffset.TryParseExact(text, "o", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value) ? value : null;

    public static string Value(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    public static decimal? ReadValue(string text) =>
        decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var value) ? value : null;
}
