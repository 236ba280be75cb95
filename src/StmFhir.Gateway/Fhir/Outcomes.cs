using System.Globalization;
using Hl7.Fhir.Model;

namespace StmFhir.Gateway.Fhir;

/// <summary>
/// OperationOutcome answers: every error the gateway gives is one of these, never a stack trace. No answer quotes a
/// request back at length: a quoted value is cut at <see cref="MaxQuotedLength"/> characters (<see cref="Quote"/>), and
/// every issue's diagnostics at <see cref="MaxDiagnosticsLength"/>, each with the full length said.
/// </summary>
internal static class Outcomes
{
    /// <summary>Longest value quoted in a message.</summary>
    public const int MaxQuotedLength = 200;

    /// <summary>Longest diagnostics text of one issue (a message with its quoted values).</summary>
    public const int MaxDiagnosticsLength = 1000;

    /// <summary>One issue. <paramref name="location"/> carries a source path that is not FHIRPath (e.g. an STM JSON path).</summary>
    public static OperationOutcome.IssueComponent Issue(OperationOutcome.IssueType type, string message,
        OperationOutcome.IssueSeverity severity = OperationOutcome.IssueSeverity.Error, string? expression = null, string? location = null) => new()
        {
            Severity = severity,
            Code = type,
            Diagnostics = Shorten(message, MaxDiagnosticsLength),
            Expression = expression is null ? [] : [expression],
            Location = location is null ? [] : [location],
        };

    public static OperationOutcome Create(OperationOutcome.IssueType type, string message) => new() { Issue = [Issue(type, message)] };

    public static OperationOutcome Create(IEnumerable<OperationOutcome.IssueComponent> issues) => new() { Issue = [.. issues] };

    /// <summary>The answer; issues made elsewhere (the validator's) are held to the same bound as those made here.</summary>
    public static FhirJsonResult Result(int status, OperationOutcome outcome)
    {
        foreach (var issue in outcome.Issue)
        {
            if (issue.Diagnostics is { Length: > MaxDiagnosticsLength } text)
            {
                issue.Diagnostics = Shorten(text, MaxDiagnosticsLength);
            }
        }
        return new(status, outcome);
    }

    public static FhirJsonResult Result(int status, OperationOutcome.IssueType type, string message) => new(status, Create(type, message));

    public static System.Threading.Tasks.Task Write(HttpContext context, int status, OperationOutcome.IssueType type, string message) =>
        Result(status, type, message).ExecuteAsync(context);

    public static FhirJsonResult NotFound(string what) => Result(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, what);

    public static FhirJsonResult BadRequest(string message) => Result(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, message);

    /// <summary>A value to quote in a message: as is up to <see cref="MaxQuotedLength"/> characters, else its start and its length.</summary>
    public static string Quote(string value) => Shorten(value, MaxQuotedLength);

    /// <summary><paramref name="text"/> itself when short enough, else its first <paramref name="bound"/> characters, "…" and the full length.</summary>
    public static string Shorten(string text, int bound)
    {
        if (text.Length <= bound)
        {
            return text;
        }
        // Never cut a surrogate pair in two: half a character is not valid text.
        var cut = char.IsHighSurrogate(text[bound - 1]) ? bound - 1 : bound;
        return string.Concat(text.AsSpan(0, cut), "… (", text.Length.ToString(CultureInfo.InvariantCulture), " characters)");
    }
}
