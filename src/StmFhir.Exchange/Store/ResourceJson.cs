using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;

namespace StmFhir.Exchange.Store;

/// <summary>
/// Compact FHIR JSON for storage. A resource is serialized once, without the server's stamps (<c>meta.versionId</c>,
/// <c>meta.lastUpdated</c>): that form is hashed (equal hashes mean equal content, so a re-send is recognised) and the
/// stamps are then spliced in, which saves a second serialization on the write path.
/// </summary>
internal static class ResourceJson
{
    private static readonly JsonSerializerOptions s_compact = FhirJson.Compact;

    public static string Serialize(Resource resource) => JsonSerializer.Serialize(resource, resource.GetType(), s_compact);

    public static Resource Deserialize(string json) =>
        JsonSerializer.Deserialize<Resource>(json, s_compact) ?? throw new JsonException("The JSON document is null.");

    /// <summary>The resource's JSON without server stamps; removes them from <paramref name="resource"/> (and an empty meta).</summary>
    public static string Unstamped(Resource resource)
    {
        if (resource.Meta is { } meta)
        {
            meta.VersionId = null;
            meta.LastUpdated = null;
            if (!meta.EnumerateElements().Any())
            {
                resource.Meta = null;
            }
        }
        return Serialize(resource);
    }

    /// <summary>
    /// The SHA-256 of <paramref name="json"/>'s UTF-8, hex. Encoded a slice at a time into one pooled buffer: a stored
    /// resource can be megabytes, and its whole UTF-8 copy would be one more large-object-heap array per write.
    /// </summary>
    public static string Hash(string json)
    {
        const int Slice = 16 * 1024;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(Slice));
        try
        {
            // One encoder for all slices: a surrogate pair cut by a slice boundary is encoded whole, as GetBytes would.
            var encoder = Encoding.UTF8.GetEncoder();
            var at = 0;
            do
            {
                var take = Math.Min(Slice, json.Length - at);
                encoder.Convert(json.AsSpan(at, take), buffer, at + take == json.Length, out var used, out var written, out _);
                hash.AppendData(buffer, 0, written);
                at += used;
            }
            while (at < json.Length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>
    /// <paramref name="unstamped"/> with <c>meta.versionId</c> and <c>meta.lastUpdated</c> added. FHIR JSON puts
    /// resourceType, id and meta first, in that order, and versionId and lastUpdated first within meta, so the stamps go
    /// right after <c>{"resourceType":..,"id":..</c>; anything else is serialized again the slow way.
    /// </summary>
    public static string Stamp(string unstamped, Resource resource, int version, DateTimeOffset lastUpdated)
    {
        var stamps = $"\"versionId\":\"{version.ToString(CultureInfo.InvariantCulture)}\",\"lastUpdated\":\"{lastUpdated.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture)}\"";
        var head = $"{{\"resourceType\":\"{resource.TypeName}\",\"id\":\"{resource.Id}\"";
        if (unstamped.StartsWith(head, StringComparison.Ordinal))
        {
            const string meta = ",\"meta\":{";
            return string.CompareOrdinal(unstamped, head.Length, meta, 0, meta.Length) == 0
                ? unstamped.Insert(head.Length + meta.Length, stamps + ",")
                : unstamped.Insert(head.Length, meta + stamps + "}");
        }
        resource.Meta ??= new Meta();
        resource.Meta.VersionId = version.ToString(CultureInfo.InvariantCulture);
        resource.Meta.LastUpdated = lastUpdated;
        return Serialize(resource);
    }
}
