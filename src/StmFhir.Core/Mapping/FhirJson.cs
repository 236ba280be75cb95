using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace StmFhir.Core.Mapping;

/// <summary>
/// The one holder of FHIR JSON serializer options: every project reads and writes FHIR JSON with one of these named
/// sets, never with options of its own. Each is built once and thread-safe (System.Text.Json caches its converters per
/// options instance, so sharing them also saves that work).
/// </summary>
public static class FhirJson
{
    /// <summary>
    /// The deepest nesting (JSON objects and arrays) every set here writes and reads, and the depth for reading stored
    /// FHIR JSON token by token: 1,040. System.Text.Json's default, 64, is less than what the gateway accepts: FHIR input
    /// is read up to 512 levels deep (the reader's hard limit, <c>FhirReadOptions.MaxDepthLimit</c>), and a resource
    /// nests about twice as deep in JSON as in XML (a repeating element is an array of objects), so a resource accepted
    /// from deep XML could not be stored. Twice 512, and room for the Bundle and entry around a resource.
    /// </summary>
    public const int MaxDepth = (2 * 512) + 16;

    /// <summary>
    /// Compact output (no indentation), for the wire and for storage; reads strictly (Firely's default mode: invalid
    /// FHIR fails with <see cref="DeserializationFailedException"/>, which carries what could be read).
    /// </summary>
    public static JsonSerializerOptions Compact { get; } = new JsonSerializerOptions { MaxDepth = MaxDepth }.ForFhir(ModelInfo.ModelInspector);

    /// <summary>Indented output, for files people read (the CLI's output, the samples); reads strictly, as <see cref="Compact"/>.</summary>
    public static JsonSerializerOptions Pretty { get; } = new JsonSerializerOptions { MaxDepth = MaxDepth }.ForFhir(ModelInfo.ModelInspector).Pretty();

    /// <summary>
    /// Reads without validating (Firely's Ostrich mode), only for JSON this program wrote itself from validated resources
    /// (the store's), where checking again would only cost time.
    /// </summary>
    public static JsonSerializerOptions Lenient { get; } = new JsonSerializerOptions { MaxDepth = MaxDepth }.ForFhir(ModelInfo.ModelInspector).UsingMode(DeserializationMode.Ostrich);

    /// <summary>
    /// The name for reading where invalid FHIR must fail (profiles, core definitions): the same options as
    /// <see cref="Compact"/>, whose output is compact too.
    /// </summary>
    public static JsonSerializerOptions Strict => Compact;

    /// <summary>The resource as indented FHIR JSON.</summary>
    public static string Serialize(Resource resource) => JsonSerializer.Serialize(resource, Pretty);

    /// <summary>Parses FHIR JSON; throws <see cref="DeserializationFailedException"/> or <see cref="JsonException"/> on bad input.</summary>
    public static T Deserialize<T>(string json) where T : Resource =>
        JsonSerializer.Deserialize<T>(json, Pretty) ?? throw new JsonException("The JSON document is null.");
}
