using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace StmFhir.Core.Mapping;

/// <summary>FHIR JSON (de)serialization with one shared, thread-safe set of options.</summary>
public static class FhirJson
{
    private static readonly JsonSerializerOptions s_pretty = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector).Pretty();

    /// <summary>The resource as indented FHIR JSON.</summary>
    public static string Serialize(Resource resource) => JsonSerializer.Serialize(resource, s_pretty);

    /// <summary>Parses FHIR JSON; throws <see cref="DeserializationFailedException"/> or <see cref="JsonException"/> on bad input.</summary>
    public static T Deserialize<T>(string json) where T : Resource =>
        JsonSerializer.Deserialize<T>(json, s_pretty) ?? throw new JsonException("The JSON document is null.");
}
