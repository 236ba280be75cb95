using System.Globalization;
using System.Text.RegularExpressions;

namespace StmFhir.Exchange.Storage;

/// <summary>
/// FHIR date, dateTime and instant values as the inclusive range of Unix milliseconds they stand for: <c>2024</c> is the
/// whole year, <c>2024-03-05T10:00:00+01:00</c> that second. Values without a time zone are read as UTC.
/// </summary>
public static partial class FhirDates
{
    /// <summary>The range a FHIR date/dateTime string covers, or null when it is not one.</summary>
    public static (long Low, long High)? Range(string? value)
    {
        if (value is null || Pattern().Match(value) is not { Success: true } m)
        {
            return null;
        }
        var year = Int(m.Groups["y"]);
        var month = m.Groups["m"].Success ? Int(m.Groups["m"]) : 1;
        var day = m.Groups["d"].Success ? Int(m.Groups["d"]) : 1;
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return null;
        }
        var offset = TimeSpan.Zero;
        if (m.Groups["tz"].Success && m.Groups["tz"].Value != "Z")
        {
            var tz = m.Groups["tz"].Value;
            offset = new TimeSpan(int.Parse(tz.AsSpan(1, 2), CultureInfo.InvariantCulture), int.Parse(tz.AsSpan(4, 2), CultureInfo.InvariantCulture), 0);
            if (tz[0] == '-')
            {
                offset = -offset;
            }
        }
        if (!m.Groups["h"].Success)
        {
            var start = new DateTimeOffset(year, month, day, 0, 0, 0, TimeSpan.Zero);
            var end = m.Groups["d"].Success ? start.AddDays(1) : m.Groups["m"].Success ? start.AddMonths(1) : start.AddYears(1);
            return (start.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds() - 1);
        }
        var hour = Int(m.Groups["h"]);
        var minute = Int(m.Groups["min"]);
        if (hour > 23 || minute > 59)
        {
            return null;
        }
        var at = new DateTimeOffset(year, month, day, hour, minute, 0, offset);
        if (!m.Groups["s"].Success)
        {
            return (at.ToUnixTimeMilliseconds(), at.AddMinutes(1).ToUnixTimeMilliseconds() - 1);
        }
        var second = Int(m.Groups["s"]);
        if (second > 59)
        {
            return null;
        }
        at = at.AddSeconds(second);
        if (!m.Groups["f"].Success)
        {
            return (at.ToUnixTimeMilliseconds(), at.AddSeconds(1).ToUnixTimeMilliseconds() - 1);
        }
        var fraction = m.Groups["f"].Value;
        var ms = int.Parse(fraction.PadRight(3, '0').AsSpan(0, 3), CultureInfo.InvariantCulture);
        var exact = at.AddMilliseconds(ms).ToUnixTimeMilliseconds();
        return (exact, exact);
    }

    private static int Int(Group group) => int.Parse(group.ValueSpan, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<y>[0-9]{4})(-(?<m>[0-9]{2})(-(?<d>[0-9]{2})(T(?<h>[0-9]{2}):(?<min>[0-9]{2})(:(?<s>[0-9]{2})(\.(?<f>[0-9]{1,9}))?)?(?<tz>Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?$")]
    private static partial Regex Pattern();
}
