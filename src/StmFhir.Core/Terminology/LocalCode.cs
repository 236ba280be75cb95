using Hl7.Fhir.Model;
using StmFhir.Core.Sessions;

namespace StmFhir.Core.Terminology;

/// <summary>
/// Maps an enum of the session format to the local CodeSystem that defines it: each member's code is its JSON name
/// (so the session format and the CodeSystem share one vocabulary), and its display comes from <paramref name="displays"/>.
/// </summary>
/// <typeparam name="TEnum">The session-format enum.</typeparam>
internal sealed class LocalCode<TEnum>(string system, IReadOnlyDictionary<TEnum, string> displays)
    where TEnum : struct, Enum
{
    public string System { get; } = system;

    public string CodeOf(TEnum value) => JsonNames<TEnum>.Of(value);

    public string DisplayOf(TEnum value) => displays[value];

    public Coding Coding(TEnum value) => new(System, CodeOf(value), DisplayOf(value));

    public CodeableConcept Concept(TEnum value) => new() { Coding = [Coding(value)] };

    /// <summary>The member whose code appears in <paramref name="concept"/>, if any.</summary>
    public TEnum? From(CodeableConcept? concept)
    {
        foreach (var coding in concept?.Coding ?? [])
        {
            if (coding.System == System && coding.Code is { } code && JsonNames<TEnum>.TryParse(code, out var value))
            {
                return value;
            }
        }
        return null;
    }

    /// <summary>Every member with its code and display, for building the CodeSystem and for tests.</summary>
    public IEnumerable<(TEnum Value, string Code, string Display)> All =>
        Enum.GetValues<TEnum>().Select(v => (v, CodeOf(v), DisplayOf(v)));
}
