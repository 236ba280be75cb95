using static StmFhir.Core.Sessions.SessionRules;

namespace StmFhir.Core.Sessions;

/// <summary>
/// The value rules of <see cref="SessionRules"/> over a session record's parts (for <see cref="SessionRules.Check"/>),
/// with the paths the reader gives the same fields.
/// </summary>
internal sealed class SessionRecordCheck
{
    public List<SessionProblem> Problems { get; } = [];

    public void Add(string path, string message) => Problems.Add(new SessionProblem(path, message));

    public void Add(SessionProblem? problem)
    {
        if (problem is not null)
        {
            Problems.Add(problem);
        }
    }

    /// <summary>Adds the problem of a text value, if it has one, and returns it.</summary>
    public string? Text(string path, string? value, int maxLength)
    {
        if (value is not null && TextProblem(value, maxLength) is { } message)
        {
            Add(path, message);
            return message;
        }
        return null;
    }

    public void Uri(string path, string? value)
    {
        if (value is not null && (TextProblem(value, TextLength) ?? UriProblem(value)) is { } message)
        {
            Add(path, message);
        }
    }

    public void Matching(string path, string? value, TextPattern pattern)
    {
        if (value is not null && (TextProblem(value, TextLength) ?? PatternProblem(value, pattern)) is { } message)
        {
            Add(path, message);
        }
    }

    public void Range(string path, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            Add(path, WholeNumberBetween(min, max));
        }
    }

    public void Range(string path, decimal value, decimal min, decimal max)
    {
        if (value < min || value > max)
        {
            Add(path, NumberBetween(min, max));
        }
    }

    public void Person(string path, IdentifierRecord identifier, PersonName name)
    {
        Uri(path + ".identifier.system", identifier.System);
        Text(path + ".identifier.value", identifier.Value, NameLength);
        Text(path + ".name.family", name.Family, NameLength);
        for (var i = 0; i < name.Given.Count; i++)
        {
            Text($"{path}.name.given[{i}]", name.Given[i], NameLength);
        }
    }

    public void Code(string path, ClinicalCode code)
    {
        var before = Problems.Count;
        Matching(path + ".snomed", code.Snomed, Snomed);
        Matching(path + ".icd10cm", code.Icd10Cm, Icd10Cm);
        Text(path + ".text", code.Text, CodeTextLength);
        // As the reader: a code whose own values are wrong is not also reported as uncoded.
        if (Problems.Count == before)
        {
            Add(Uncoded(path, code.Snomed, code.Icd10Cm));
        }
    }

    public void Screening(string path, ScreeningRecord screening)
    {
        for (var i = 0; i < screening.Findings.Count; i++)
        {
            Code($"{path}.findings[{i}].code", screening.Findings[i].Code);
        }
        for (var i = 0; i < screening.Medications.Count; i++)
        {
            var medication = screening.Medications[i];
            var at = $"{path}.medications[{i}]";
            Text(at + ".name", medication.Name, NameLength);
            if (medication.Code is { } coding)
            {
                Uri(at + ".code.system", coding.System);
                Matching(at + ".code.code", coding.Code, FhirCode);
                Text(at + ".code.display", coding.Display, NameLength);
            }
        }
        Text(path + ".mitigation", screening.Mitigation, NoteLength);
    }
}
