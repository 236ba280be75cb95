using System.Text.RegularExpressions;
using Hl7.Fhir.Utility;

namespace StmFhir.Core.Validation.Input;

/// <summary>
/// Dates FHIR allows that Firely's strict parser refuses: it checks a date, dateTime or instant by converting it to a
/// <see cref="DateTimeOffset"/>, which cannot hold the calendar's ends in every zone (<c>9999-12-31T23:59:59-14:00</c> is
/// in the year 10000 in UTC, <c>0001-01-01T00:00:00+14:00</c> in the year 0) or a leap second (<c>:60</c>). Such a
/// refusal (PVAL124) of a literal that FHIR's own regular expression for the type accepts is not a problem of the input:
/// the value is kept as written, validation checks it against the type's regex and the calendar, and the store indexes
/// it without that conversion.
/// </summary>
internal static partial class CalendarEdgeDates
{
    /// <summary>Whether <paramref name="problem"/> is the strict parser refusing a date literal that FHIR allows.</summary>
    public static bool IsValidInFhir(CodedException problem) =>
        problem.ErrorCode == "PVAL124"
        && problem is Hl7.Fhir.Validation.CodedValidationException { BaseErrorMessage: { } message }
        && Refusal().Match(message) is { Success: true } m
        && (m.Groups["type"].Value switch
        {
            "date" => Date(),
            "dateTime" => DateTime(),
            "instant" => Instant(),
            _ => null,
        }) is { } pattern
        && pattern.IsMatch(m.Groups["value"].Value)
        && InTheCalendar(m.Groups["value"].Value);

    /// <summary>The regular expressions let any day 01-31 through; 2023-02-29 stays the parser's problem.</summary>
    private static bool InTheCalendar(string value) =>
        value.Length < 10
        || int.Parse(value.AsSpan(8, 2), System.Globalization.CultureInfo.InvariantCulture)
            <= System.DateTime.DaysInMonth(int.Parse(value.AsSpan(0, 4), System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(value.AsSpan(5, 2), System.Globalization.CultureInfo.InvariantCulture));

    [GeneratedRegex(@"^string '(?<value>[^']*)' is not a correct literal for a (?<type>date|dateTime|instant)\.$")]
    private static partial Regex Refusal();

    // The regular expressions of the R4 specification's date, dateTime and instant types.
    [GeneratedRegex(@"^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$")]
    private static partial Regex Date();

    [GeneratedRegex(@"^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$")]
    private static partial Regex DateTime();

    [GeneratedRegex(@"^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$")]
    private static partial Regex Instant();
}
