using System.Globalization;
using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Support;
using Newtonsoft.Json.Linq;
using StmFhir.Core.Validation.FastPath;

#pragma warning disable ExperimentalApi // Firely's assertion interfaces are marked experimental: unstable API, stable results.

namespace StmFhir.Core.Validation.Engine;

/// <summary>
/// A date, dateTime or instant must be a real date ("2024-02-30" is not), but FHIR's regexes for them, all that Firely
/// checks, read digits: any day from 01 to 31 in any month passes. In the compiled schemas of the three types the
/// regex check is wrapped (<see cref="AddTo"/>): when the value matches the regex, the day is checked against the
/// month's length, and a wrong one is reported as Firely reports a value that fails its regex. A value the regex
/// refuses is left to it, so a wrong value is reported once.
/// </summary>
internal sealed class CalendarDateValidator(RegExValidator regex) : IValidatable
{
    private const string CoreBase = SchemaMemoRewriter.CoreBase;

    /// <summary>The schema with its regex check wrapped when it is the core schema of date, dateTime or instant; else itself.</summary>
    public static ElementSchema AddTo(Firely.Fhir.Validation.Canonical canonical, ElementSchema schema) =>
        canonical.ToString() is CoreBase + "date" or CoreBase + "dateTime" or CoreBase + "instant"
            ? (ElementSchema)Wrap(default, schema)
            : schema;

    private static IAssertion Wrap(AssertionStep step, IAssertion assertion) => assertion switch
    {
        RegExValidator regex => new CalendarDateValidator(regex),
        IAssertionContainer container => container.WithChildren(Wrap),
        _ => assertion,
    };

    public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state)
    {
        var matched = ((IValidatable)regex).Validate(input, vc, state);
        return matched.IsSuccessful && input.GetValue() is string text
            && NonexistentDay(text) is { } problem
            ? new IssueAssertion(Issue.CONTENT_ELEMENT_INVALID_PRIMITIVE_VALUE.Code, $"Value '{text}' is not a date: {problem}",
                OperationOutcome.IssueSeverity.Error, OperationOutcome.IssueType.Invalid).AsResult(state, input, nameof(CalendarDateValidator), this)
            : matched;
    }

    /// <summary>Why the year-month-day at the start of <paramref name="text"/> is not in the calendar, or null.</summary>
    internal static string? NonexistentDay(string text)
    {
        if (text.Length < 10 || text[4] != '-' || text[7] != '-'
            || !int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year)
            || !int.TryParse(text.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var month)
            || !int.TryParse(text.AsSpan(8, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var day)
            || year < 1 || month is < 1 or > 12 || day is < 1 or > 31)
        {
            return null;
        }
        var days = DateTime.DaysInMonth(year, month);
        return day <= days
            ? null
            : $"{CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(month)} {year} has {days} days";
    }

    public JToken ToJson() => regex.ToJson();
}
