using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace StmFhir.Core.Validation.Conformance;

/// <summary>Strict FHIR JSON for conformance resources (profiles, core definitions, the cache).</summary>
internal static class FhirSerialization
{
    private static readonly JsonSerializerOptions s_options = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector);

    public static string Json(Resource resource) => JsonSerializer.Serialize(resource, s_options);

    public static Resource ParseJson(string json) =>
        JsonSerializer.Deserialize<Resource>(json, s_options) ?? throw new JsonException("The JSON document is null.");
}
