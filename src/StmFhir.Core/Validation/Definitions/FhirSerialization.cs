using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace StmFhir.Core.Validation.Definitions;

/// <summary>FHIR JSON for conformance resources (profiles, core definitions, the cache).</summary>
internal static class FhirSerialization
{
    private static readonly JsonSerializerOptions s_strict = Mapping.FhirJson.Strict;

    // Core definitions must come back exactly as specification.zip has them, flaws included (the SNOMED CT
    // CodeSystem stub has property URIs such as "http://.........?"), or the split copy would answer differently.
    private static readonly FhirJsonDeserializer s_asIs = new(new DeserializerSettings().UsingMode(DeserializationMode.Ostrich));

    public static string Json(Resource resource) => JsonSerializer.Serialize(resource, s_strict);

    /// <summary>Parses strictly: profiles must be valid FHIR.</summary>
    public static Resource ParseJson(string json) =>
        JsonSerializer.Deserialize<Resource>(json, s_strict) ?? throw new JsonException("The JSON document is null.");

    /// <summary>Parses whatever is there, for resources this program wrote itself.</summary>
    public static Resource ParseJsonAsIs(string json) => s_asIs.DeserializeResource(json);
}
