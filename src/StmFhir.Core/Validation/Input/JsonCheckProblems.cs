using System.Text;
using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation.Input;

/// <summary>
/// The problems one <see cref="FhirJsonCheck"/> pass found, each at its element: past
/// <see cref="FhirJsonCheck.MaxProblems"/> only counted, so a hostile input cannot make the answer huge. Made at the first
/// problem, so a clean document allocates none.
/// </summary>
internal sealed class JsonCheckProblems
{
    private readonly List<(string? Path, string Message)> _found = [];
    private int _more;

    /// <summary>The refusal of an input with more than <paramref name="maxElements"/> elements (JSON or XML).</summary>
    internal static ValidationIssue TooMany(int maxElements, string counted) =>
        new(OperationOutcome.IssueSeverity.Fatal, IssueCodes.TooManyElements, null,
            $"The input holds more than {maxElements} elements ({counted}), the most one input may hold; it was not read.",
            OperationOutcome.IssueType.TooLong);

    /// <summary>Records a problem at <paramref name="path"/> (below the root; null for the whole input).</summary>
    public void Add(string? path, string message)
    {
        if (_found.Count < FhirJsonCheck.MaxProblems)
        {
            _found.Add((path, message));
        }
        else
        {
            _more++;
        }
    }

    /// <summary>The problems as issues whose paths start at the resource type <paramref name="root"/>, and the refusal that ends them.</summary>
    public List<ValidationIssue> Issues(string root) =>
        [.. _found.Select(p => new ValidationIssue(OperationOutcome.IssueSeverity.Error, IssueCodes.UnreadableInput,
            p.Path is null ? null : root + p.Path, p.Message, OperationOutcome.IssueType.Structure)),
            Unreadable(_more == 0
                ? "The input was not read as FHIR: fix the errors above (each names its element)."
                : $"The input was not read as FHIR: fix the errors above (each names its element) and {_more} more of the same kinds.")];

    /// <summary>The input as a whole could not be read.</summary>
    public static ValidationIssue Unreadable(string message) =>
        new(OperationOutcome.IssueSeverity.Fatal, IssueCodes.UnreadableInput, null, message, OperationOutcome.IssueType.Structure);

    /// <summary>The first sentence of a JSON reader's message (what is wrong; the line and byte follow it, and the issue gives them).</summary>
    public static string FirstSentence(string message) =>
        message.IndexOf(". ", StringComparison.Ordinal) is var end and > 0 ? message[..(end + 1)] : message;

    /// <summary>A name from the input as message text.</summary>
    public static string Text(ReadOnlySpan<byte> name) => MessageText.Value(Encoding.UTF8.GetString(name));
}
