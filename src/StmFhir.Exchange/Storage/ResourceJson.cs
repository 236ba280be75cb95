using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace StmFhir.Exchange.Storage;

/// <summary>Compact FHIR JSON for storage, and the content hash that tells a changed resource from a re-sent one.</summary>
internal static class ResourceJson
{
    private static readonly JsonSerializerOptions s_compact = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector);

    public static string Serialize(Resource resource) => JsonSerializer.Serialize(resource, resource.GetType(), s_compact);

    public static Resource Deserialize(string json) =>
        JsonSerializer.Deserialize<Resource>(json, s_compact) ?? throw new JsonException("The JSON document is null.");

    /// <summary>
    /// SHA-256 of the resource's JSON without <c>meta.versionId</c> and <c>meta.lastUpdated</c>, which the server sets:
    /// equal hashes mean equal content.
    /// </summary>
    public static string ContentHash(Resource resource)
    {
        var meta = resource.Meta;
        string json;
        if (meta is null)
        {
            json = Serialize(resource);
        }
        else
        {
            var (versionId, lastUpdated) = (meta.VersionId, meta.LastUpdated);
            meta.VersionId = null;
            meta.LastUpdated = null;
            resource.Meta = meta.IsEmpty() ? null : meta;
            json = Serialize(resource);
            meta.VersionId = versionId;
            meta.LastUpdated = lastUpdated;
            resource.Meta = meta;
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
    }

    private static bool IsEmpty(this Meta meta) => !meta.EnumerateElements().Any();
}
