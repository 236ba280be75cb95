using Hl7.Fhir.Model;

namespace StmFhir.Tests.Shared.Fuzz;

/// <summary>
/// Names that are not a concrete resource type but that a client can put in <c>resourceType</c> (or as an XML root):
/// taken from the Firely model itself, so a type Firely knows and the gateway forgets cannot slip through a hand-kept list.
/// </summary>
internal static class TypeNames
{
    /// <summary>
    /// Every FHIR datatype (primitive and complex) and every abstract type (<c>Resource</c>, <c>DomainResource</c>,
    /// <c>Element</c>, <c>BackboneElement</c>...) of the model: <see cref="ModelInfo.FhirTypeToCsType"/> and the
    /// class mappings of <see cref="ModelInfo.ModelInspector"/> without a dot (backbone elements have one), less the
    /// concrete resource types.
    /// </summary>
    public static IReadOnlyList<string> DatatypeAndAbstract { get; } = [.. ModelInfo.FhirTypeToCsType.Keys
        .Concat(ModelInfo.ModelInspector.ClassMappings.Select(m => m.Name).Where(n => !n.Contains('.', StringComparison.Ordinal)))
        .Where(n => !IsConcreteResource(n))
        .Distinct(StringComparer.Ordinal)
        .Order(StringComparer.Ordinal)];

    /// <summary>Backbone element names (<c>Patient.contact</c>, <c>Bundle.entry</c>...), also not resource types.</summary>
    public static IReadOnlyList<string> Backbone { get; } = [.. ModelInfo.ModelInspector.ClassMappings
        .Select(m => m.Name).Where(n => n.Contains('.', StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>Strings that are no type at all.</summary>
    public static IReadOnlyList<string> Nonsense { get; } = ["", " ", "patient", "PATIENT", "Patient ", "Patient\u0000", "Unknown", "1", "#", "Patient#contact", "\u00c9l\u00e9ment"];

    public static bool IsConcreteResource(string name) =>
        ModelInfo.IsKnownResource(name) && ModelInfo.GetTypeForFhirType(name) is { IsAbstract: false };

    /// <summary>One of every kind, picked by <paramref name="random"/>.</summary>
    public static string Pick(Random random) => random.Next(10) switch
    {
        < 6 => DatatypeAndAbstract[random.Next(DatatypeAndAbstract.Count)],
        < 8 => Backbone[random.Next(Backbone.Count)],
        _ => Nonsense[random.Next(Nonsense.Count)],
    };
}
