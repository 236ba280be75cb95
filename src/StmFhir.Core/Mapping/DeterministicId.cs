using System.Security.Cryptography;
using System.Text;

namespace StmFhir.Core.Mapping;

/// <summary>
/// The one place resource ids come from: name-based UUIDs (RFC 9562 version 5, SHA-1) over the parts that identify a
/// resource, so the same session always maps to the same ids and a re-send is recognised as such.
/// </summary>
public static class DeterministicId
{
    // Fixed namespace for StmFhir names; changing it would change every id ever issued.
    private static readonly Guid s_namespace = new("5c1e7d0a-3f43-4b8e-9f4e-2d1b7a6c0e11");

    /// <summary>A lowercase UUID string for the given name parts (joined with '|').</summary>
    public static string From(params ReadOnlySpan<string> parts)
    {
        var name = string.Join('|', parts.ToArray());
        Span<byte> buffer = stackalloc byte[16 + Encoding.UTF8.GetMaxByteCount(name.Length)];
        s_namespace.TryWriteBytes(buffer, bigEndian: true, out _);
        var length = 16 + Encoding.UTF8.GetBytes(name, buffer[16..]);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(buffer[..length], hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(hash[..16], bigEndian: true).ToString();
    }
}
