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
/// one lock: the SDK's expander writes expansions into shared ValueSet objects. The codes come from the input, so what
/// is remembered is bounded: a question longer than <see cref="MaxKeyLength"/> is answered and not remembered, and
/// past <see cref="MaxAnswers"/> the answers start anew (the ones in use come back at once).
/// </summary>
internal sealed class MemoizingTerminologyService(ICodeValidationTerminologyService inner) : ICodeValidationTerminologyService
{
    /// <summary>The longest question remembered, in characters (a real one, ValueSet url and coding, is a few hundred).</summary>
    internal const int MaxKeyLength = 2048;

    /// <summary>The most answers remembered (the sample sessions ask a few hundred questions in all).</summary>
    internal const int MaxAnswers = 20_000;

    private readonly ConcurrentDictionary<string, Answer> _answers = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _remembered;

    /// <summary>How many answers are remembered now.</summary>
    internal int Count => _answers.Count;

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
                    // Counted apart (under the lock): ConcurrentDictionary.Count takes every lock of the map.
                    if (++_remembered > MaxAnswers)
                    {
                        _answers.Clear();
                        _remembered = 1;
                    }
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

    /// <summary>
    /// A key naming every input of the question, or null when a parameter is of a kind not keyed here or the key would
    /// be longer than <see cref="MaxKeyLength"/> (not cached; the long value is not copied).
    /// </summary>
    internal static string? KeyOf(Parameters parameters, string? id)
    {
        var key = new StringBuilder(id).Append('\u001f');
        foreach (var parameter in parameters.Parameter)
        {
            key.Append(parameter.Name).Append('=');
            var fits = parameter.Value switch
            {
                null when parameter.Resource is null && parameter.Part.Count == 0 => true,
                PrimitiveType primitive => Append(key, primitive.ToString()),
                Coding coding => Append(key, coding),
                CodeableConcept concept => concept.Coding.All(c => Append(key, c) && Append(key, ";")) && Append(key, concept.Text),
                _ => false,
            };
            if (!fits)
            {
                return null;
            }
            key.Append('\u001e');
        }
        return key.ToString();
    }

    private static bool Append(StringBuilder key, string? text)
    {
        if (key.Length + (text?.Length ?? 0) > MaxKeyLength)
        {
            return false;
        }
        key.Append(text);
        return true;
    }

    private static bool Append(StringBuilder key, Coding coding) =>
        Append(key, coding.System) && Append(key, "|") && Append(key, coding.Version) && Append(key, "|") && Append(key, coding.Code)
        && Append(key, "|") && Append(key, coding.Display) && Append(key, "|") && Append(key, coding.UserSelected?.ToString());

    private sealed record Answer(Parameters? Result, FhirOperationException? Failure);
}
