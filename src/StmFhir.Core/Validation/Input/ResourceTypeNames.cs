using System.Collections.Frozen;
using System.Text;
using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation.Input;

/// <summary>
/// The names a resource may have: the concrete FHIR R4 resource types. Any other name where a resource belongs (a
/// datatype such as <c>HumanName</c>, an abstract type such as <c>Resource</c> or <c>Element</c>, an empty or unknown
/// name) is refused before any schema walk: Firely's validator, handed an abstract datatype as a resource, validates
/// it against its own schema again and again until the stack overflows, and its parser cannot make an abstract type.
/// </summary>
internal static class ResourceTypeNames
{
    private static readonly FrozenSet<string> Concrete = ModelInfo.SupportedResources.ToFrozenSet(StringComparer.Ordinal);
    private static readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> ConcreteChars = Concrete.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Whether <paramref name="name"/> is a concrete FHIR R4 resource type.</summary>
    public static bool IsConcrete(string name) => Concrete.Contains(name);

    /// <summary>Whether <paramref name="name"/> is a concrete FHIR R4 resource type, without making a string.</summary>
    public static bool IsConcrete(ReadOnlySpan<char> name) => ConcreteChars.Contains(name);

    /// <summary>Whether the UTF-8 <paramref name="name"/> is a concrete FHIR R4 resource type, without making a string.</summary>
    public static bool IsConcrete(ReadOnlySpan<byte> name)
    {
        // The longest R4 resource type has 33 characters; a longer name is not one.
        if (name.Length is 0 or > 64)
        {
            return false;
        }
        Span<char> chars = stackalloc char[64];
        return Encoding.UTF8.TryGetChars(name, chars, out var written) && ConcreteChars.Contains(chars[..written]);
    }

    /// <summary>
    /// Whether a parsed or built resource claims a concrete type (a <see cref="DynamicResource"/> claims the name it
    /// was given, which is what Firely validates it as).
    /// </summary>
    public static bool IsConcrete(Resource resource) => Concrete.Contains(resource.TypeName);

    /// <summary>Why <paramref name="name"/> cannot be a resource's type, for a message.</summary>
    public static string WhyNot(string name)
    {
        if (name.Length == 0)
        {
            return "is empty";
        }
        var quoted = "'" + MessageText.Value(name) + "'";
        return ModelInfo.ModelInspector.FindClassMapping(name) switch
        {
            { IsResource: true } => $"{quoted} is an abstract resource type, not one a resource can have",
            { NativeType.IsAbstract: true } => $"{quoted} is an abstract type, not a resource type",
            { } => $"{quoted} is a datatype, not a resource type",
            null => $"{quoted} is not a FHIR R4 resource type",
        };
    }
}
