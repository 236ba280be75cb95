using System.Globalization;
using System.Text.RegularExpressions;

namespace StmFhir.Exchange.Store;

/// <summary>
/// FHIR date, dateTime and instant values as the inclusive range of Unix milliseconds they stand for: <c>2024</c> is the
/// whole year, <c>2024-03-05T10:00:00+01:00</c> that second. Values without a time zone are read as UTC.
/// </summary>
/// <remarks>
/// The arithmetic is on whole milliseconds in a <see cref="long"/>, never on <see cref="DateTimeOffset"/>: FHIR allows
/// every year from 0001 to 9999 with offsets up to ±14:00, and <c>0001-01-01T00:00:00+14:00</c> or
/// <c>9999-12-31T23:00:00-14:00</c> lie outside what a DateTimeOffset holds (its constructor throws), while a long holds
/// them exactly. The one value an index cannot place is a leap second (<c>:60</c>, allowed by FHIR): it is read as the
/// last millisecond of second 59, so it stays within the minute, hour and day it was written in; the resource itself
/// keeps the exact text.
/// </remarks>
public static partial class FhirDates
{
    private const long MsPerMinute = 60_000;
    private const long MsPerDay = 86_400_000;

    /// <summary>The range a FHIR date/dateTime/instant string covers, or null when it is not one.</summary>
    public static (long Low, long High)? Range(string? value)
    {
        if (value is null || Pattern().Match(value) is not { Success: true } m)
        {
            return null;
        }
        var year = Int(m.Groups["y"]);
        var month = m.Groups["m"].Success ? Int(m.Groups["m"]) : 1;
        var day = m.Groups["d"].Success ? Int(m.Groups["d"]) : 1;
        // FHIR has no year 0000 (and DateTime.DaysInMonth would throw for it).
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return null;
        }
        if (!m.Groups["h"].Success)
        {
            var first = DayStart(year, month, day);
            var last = m.Groups["d"].Success ? first
                : m.Groups["m"].Success ? DayStart(year, month, DateTime.DaysInMonth(year, month))
                : DayStart(year, 12, 31);
            return (first, last + MsPerDay - 1);
        }
        var hour = Int(m.Groups["h"]);
        var minute = Int(m.Groups["min"]);
        if (hour > 23 || minute > 59 || Offset(m.Groups["tz"]) is not { } offset)
        {
            return null;
        }
        var at = DayStart(year, month, day) + (hour * 60L + minute) * MsPerMinute - offset;
        if (!m.Groups["s"].Success)
        {
            return (at, at + MsPerMinute - 1);
        }
        var second = Int(m.Groups["s"]);
        if (second > 60)
        {
            return null;
        }
        if (second == 60)
        {
            var leap = at + 59_999;
            return (leap, leap);
        }
        at += second * 1000L;
        if (!m.Groups["f"].Success)
        {
            return (at, at + 999);
        }
        var exact = at + int.Parse(m.Groups["f"].Value.PadRight(3, '0').AsSpan(0, 3), CultureInfo.InvariantCulture);
        return (exact, exact);
    }

    /// <summary>Unix milliseconds of 00:00 UTC on a day of years 1-9999 (which DateTime holds).</summary>
    private static long DayStart(int year, int month, int day) =>
        (new DateTime(year, month, day, 0, 0, 0, DateTimeKind.Utc).Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond;

    /// <summary>The zone's offset from UTC in milliseconds (0 for Z or none); null beyond FHIR's ±14:00.</summary>
    private static long? Offset(Group zone)
    {
        if (!zone.Success || zone.Value == "Z")
        {
            return 0;
        }
        var hours = int.Parse(zone.ValueSpan.Slice(1, 2), CultureInfo.InvariantCulture);
        var minutes = int.Parse(zone.ValueSpan.Slice(4, 2), CultureInfo.InvariantCulture);
        if (minutes > 59 || hours > 14 || (hours == 14 && minutes > 0))
        {
            return null;
        }
        var offset = (hours * 60L + minutes) * MsPerMinute;
        return zone.Value[0] == '-' ? -offset : offset;
    }

    private static int Int(Group group) => int.Parse(group.ValueSpan, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(?<y>[0-9]{4})(-(?<m>[0-9]{2})(-(?<d>[0-9]{2})(T(?<h>[0-9]{2}):(?<min>[0-9]{2})(:(?<s>[0-9]{2})(\.(?<f>[0-9]+))?)?(?<tz>Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?$")]
    private static partial Regex Pattern();
}
