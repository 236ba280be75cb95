using Hl7.Fhir.Model;

namespace StmFhir.Tests.Shared;

/// <summary>
/// Every name that is not a concrete FHIR R4 resource type, taken from the model itself (not a hand list), and the
/// places a resource can be, in JSON and XML: hostile input for the reader, the engine, the command line and every
/// FHIR endpoint, each of which must refuse it with an issue naming the element, never recurse or throw on it.
/// </summary>
public static class NonResourceTypeNames
{
    private static readonly HashSet<string> Resources = [.. ModelInfo.SupportedResources];

    /// <summary>
    /// Every datatype (complex and primitive), abstract type (Base, Element, BackboneElement, BackboneType, DataType,
    /// PrimitiveType, Resource, DomainResource) and dynamic type of the SDK's R4 model, the empty name and an unknown one.
    /// </summary>
    public static IReadOnlyList<string> TypeNames { get; } =
        [.. ModelInfo.ModelInspector.ClassMappings.Select(m => m.Name).Where(n => !Resources.Contains(n) && !n.Contains('.')).Distinct().Order(StringComparer.Ordinal), "", "NoSuchType"];

    /// <summary><see cref="TypeNames"/> and the names of backbone elements (<c>Patient.contact</c>) and system types (<c>System.String</c>).</summary>
    public static IReadOnlyList<string> AllNames { get; } =
        [.. TypeNames, .. ModelInfo.ModelInspector.ClassMappings.Select(m => m.Name).Where(n => !Resources.Contains(n) && n.Contains('.')).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>
    /// A resource of type <c>{0}</c> at each place R4 allows one, in JSON, with the FHIRPath of that place (null: the root).
    /// </summary>
    public static IReadOnlyList<(string Json, string? Path)> JsonPlaces { get; } =
    [
        ("""{"resourceType":"{0}","id":"a"}""", null),
        ("""{"resourceType":"Patient","contained":[{"resourceType":"{0}","id":"c"}],"managingOrganization":{"reference":"#c"}}""", "Patient.contained[0]"),
        ("""{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:5bd0c9a6-2a7e-4a59-9a39-5e3c7c5ad7b1","resource":{"resourceType":"{0}","id":"e"}}]}""", "Bundle.entry[0].resource"),
        ("""{"resourceType":"Bundle","type":"batch-response","entry":[{"response":{"status":"200","outcome":{"resourceType":"{0}"}}}]}""", "Bundle.entry[0].response.outcome"),
        ("""{"resourceType":"Parameters","parameter":[{"name":"p","resource":{"resourceType":"{0}"}}]}""", "Parameters.parameter[0].resource"),
        ("""{"resourceType":"Parameters","parameter":[{"name":"p","part":[{"name":"q","resource":{"resourceType":"{0}"}}]}]}""", "Parameters.parameter[0].part[0].resource"),
        ("""{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:5bd0c9a6-2a7e-4a59-9a39-5e3c7c5ad7b1","resource":{"resourceType":"Patient","contained":[{"resourceType":"{0}","id":"c"}]}}]}""", "Bundle.entry[0].resource.contained[0]"),
    ];

    /// <summary>The same places in XML (an XML name cannot be empty), with the path FhirInput names for each.</summary>
    public static IReadOnlyList<(string Xml, string? Path)> XmlPlaces { get; } =
    [
        ("""<{0} xmlns="http://hl7.org/fhir"><id value="a"/></{0}>""", null),
        ("""<Patient xmlns="http://hl7.org/fhir"><contained><{0}><id value="c"/></{0}></contained></Patient>""", "Patient.contained"),
        ("""<Bundle xmlns="http://hl7.org/fhir"><type value="collection"/><entry><resource><{0}/></resource></entry></Bundle>""", "Bundle.entry.resource"),
        ("""<Bundle xmlns="http://hl7.org/fhir"><type value="batch-response"/><entry><response><status value="200"/><outcome><{0}/></outcome></response></entry></Bundle>""", "Bundle.entry.response.outcome"),
        ("""<Parameters xmlns="http://hl7.org/fhir"><parameter><name value="p"/><resource><{0}/></resource></parameter></Parameters>""", "Parameters.parameter.resource"),
        ("""<Parameters xmlns="http://hl7.org/fhir"><parameter><name value="p"/><part><name value="q"/><resource><{0}/></resource></part></parameter></Parameters>""", "Parameters.parameter.part.resource"),
    ];

    /// <summary>A template with <paramref name="name"/> in place of <c>{0}</c> (not string.Format: the JSON has braces).</summary>
    public static string Fill(string template, string name) => template.Replace("{0}", name, StringComparison.Ordinal);
}
