using System.Text.RegularExpressions;

namespace StmFhir.Core.Sessions;

/// <summary>A text pattern a field must match, and what to say when it does not (<c>must be {Expected}</c>).</summary>
internal sealed record TextPattern(Regex Regex, string Expected);

// The limits and value checks, stated once for the reader (as it reads JSON) and for Check (on a session record).
public static partial class SessionRules
{
    /// <summary>Longest text of a field that sets no length of its own.</summary>
    internal const int TextLength = 1000;

    /// <summary>Longest encounter id.</summary>
    internal const int EncounterIdLength = 64;

    /// <summary>Longest name, identifier value, lubricant, medication or display text.</summary>
    internal const int NameLength = 200;

    /// <summary>Longest text of a clinical code.</summary>
    internal const int CodeTextLength = 500;

    /// <summary>Longest mitigation or complication note.</summary>
    internal const int NoteLength = 2000;

    /// <summary>Longest free-text notes of a session.</summary>
    internal const int NotesLength = 10_000;

    internal const int MinMinutes = 1;
    internal const int MaxMinutes = 120;
    internal const int MinScore = 0;
    internal const int MaxScore = 10;
    internal const decimal MinDegrees = 0;
    internal const decimal MaxDegrees = 360;

    internal static readonly TextPattern SessionId = new(IdPattern(), "1-64 letters, digits, '.', '_', ':' or '-'");
    internal static readonly TextPattern Snomed = new(SnomedPattern(), "a SNOMED CT concept id (6-18 digits)");
    internal static readonly TextPattern Icd10Cm = new(Icd10CmPattern(), "an ICD-10-CM code with its dot, e.g. M77.12");
    internal static readonly TextPattern FhirCode = new(FhirCodePattern(),
        "a FHIR code: no line breaks or tabs, single spaces between words (at most 100 characters)");

    /// <summary>What is wrong with <paramref name="text"/> as a text value of at most <paramref name="maxLength"/> characters, or null.</summary>
    internal static string? TextProblem(string text, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "must not be empty";
        }
        if (text.Length > maxLength)
        {
            return $"must be at most {maxLength} characters";
        }
        if (text.Trim().Length != text.Length)
        {
            return "must not start or end with whitespace";
        }
        // FHIR strings allow tab, CR and LF but no other control character.
        if (text.AsSpan().ContainsAnyInRange('\u0000', '\u0008') || text.AsSpan().ContainsAnyInRange('\u000B', '\u000C')
            || text.AsSpan().ContainsAnyInRange('\u000E', '\u001F') || text.Contains('\u007F'))
        {
            return "must not contain control characters other than tab and line breaks";
        }
        return null;
    }

    /// <summary>What is wrong with <paramref name="text"/> (already a valid text) as an absolute URI, or null.</summary>
    /// <remarks>
    /// The text must itself start with the scheme that <see cref="System.Uri"/> finds: on Unix it takes "/stm" for
    /// file:///stm, and everywhere "c:\x" for a file URI, neither of which names a system.
    /// </remarks>
    internal static string? UriProblem(string text) =>
        !System.Uri.TryCreate(text, UriKind.Absolute, out var uri)
        || !text.StartsWith(uri.Scheme + ":", StringComparison.OrdinalIgnoreCase) || text.Any(char.IsWhiteSpace)
            ? "must be an absolute URI (e.g. https://clinic.example.org/stm or urn:oid:1.2.3)"
            : null;

    /// <summary>What is wrong with <paramref name="text"/> (already a valid text) for <paramref name="pattern"/>, or null.</summary>
    internal static string? PatternProblem(string text, TextPattern pattern) =>
        pattern.Regex.IsMatch(text) ? null : $"must be {pattern.Expected}";

    internal static string WholeNumberBetween(int min, int max) => $"must be a whole number between {min} and {max}";

    internal static string NumberBetween(decimal min, decimal max) => $"must be a number between {min} and {max}";

    [GeneratedRegex(@"^[A-Za-z0-9._:\-]{1,64}$")]
    private static partial Regex IdPattern();

    // FHIR's code datatype: [^\s]+( [^\s]+)*
    [GeneratedRegex(@"^(?=.{1,100}$)[^\s]+( [^\s]+)*$")]
    private static partial Regex FhirCodePattern();

    [GeneratedRegex(@"^[1-9][0-9]{5,17}$")]
    private static partial Regex SnomedPattern();

    [GeneratedRegex(@"^[A-TV-Z][0-9][0-9AB](\.[0-9A-TV-Z]{1,4})?$")]
    private static partial Regex Icd10CmPattern();
}
