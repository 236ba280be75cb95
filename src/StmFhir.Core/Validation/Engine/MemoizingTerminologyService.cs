using System.Collections.Concurrent;
using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Hl7.Fhir.Specification.Terminology;

namespace StmFhir.Core.Validation.Engine;

/// <summary>
/// Remembers every answer of the offline terminology service. The same codes are checked against the same
/// ValueSets in every resource of every Bundle (status, category, LOINC codes, units, the StmFhir code systems),
/// and an answer depends only on the ValueSet, which does not change during the engine's life. Misses go through
/// one lock: the SDK's expander writes expansions into shared ValueSet objects.
/// </summary>
internal sealed class MemoizingTerminologyService(ICodeValidationTerminologyService inner) : ICodeValidationTerminologyService
{
    private readonly ConcurrentDictionary<string, Answer> _answers = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public Task<Parameters> ValueSetValidateCode(Parameters parameters, string? id = null, bool useGet = false)
    {
        var key = KeyOf(parameters, id);
        if (key is null)
        {
            lock (_gate)
            {
                return System.Threading.Tasks.Task.FromResult(inner.ValueSetValidateCode(parameters, id, useGet).GetAwaiter().GetResult());
            }
        }
        if (!_answers.TryGetValue(key, out var answer))
        {
            lock (_gate)
            {
                if (!_answers.TryGetValue(key, out answer))
                {
                    answer = Ask(parameters, id, useGet);
                    _answers[key] = answer;
                }
            }
        }
        return answer.Result is { } result
            ? System.Threading.Tasks.Task.FromResult(result)
            : System.Threading.Tasks.Task.FromException<Parameters>(new FhirOperationException(answer.Failure!.Message, answer.Failure.Status, answer.Failure.Outcome ?? new OperationOutcome()));
    }

    public Task<Parameters> Subsumes(Parameters parameters, string? id = null, bool useGet = false)
    {
        lock (_gate)
        {
            return System.Threading.Tasks.Task.FromResult(inner.Subsumes(parameters, id, useGet).GetAwaiter().GetResult());
        }
    }

    private Answer Ask(Parameters parameters, string? id, bool useGet)
    {
        try
        {
            return new Answer(inner.ValueSetValidateCode(parameters, id, useGet).GetAwaiter().GetResult(), null);
        }
        catch (FhirOperationException e)
        {
            return new Answer(null, e);
        }
    }

    /// <summary>A key naming every input of the question, or null when a parameter is of a kind not keyed here (not cached).</summary>
    internal static string? KeyOf(Parameters parameters, string? id)
    {
        var key = new StringBuilder(id).Append('\u001f');
        foreach (var parameter in parameters.Parameter)
        {
            key.Append(parameter.Name).Append('=');
            switch (parameter.Value)
            {
                case null when parameter.Resource is null && parameter.Part.Count == 0:
                    break;
                case PrimitiveType primitive:
                    key.Append(primitive.ToString());
                    break;
                case Coding coding:
                    Append(key, coding);
                    break;
                case CodeableConcept concept:
                    foreach (var coding in concept.Coding)
                    {
                        Append(key, coding);
                        key.Append(';');
                    }
                    key.Append(concept.Text);
                    break;
                default:
                    return null;
            }
            key.Append('\u001e');
        }
        return key.ToString();
    }

    private static void Append(StringBuilder key, Coding coding) =>
        key.Append(coding.System).Append('|').Append(coding.Version).Append('|').Append(coding.Code).Append('|')
            .Append(coding.Display).Append('|').Append(coding.UserSelected);

    private sealed record Answer(Parameters? Result, FhirOperationException? Failure);
}
