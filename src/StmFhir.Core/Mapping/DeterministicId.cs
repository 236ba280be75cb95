using System.Security.Cryptography;
using System.Text;

namespace StmFhir.Core.Mapping;

/// <summary>
/// The one place resource ids come from, so the same session always maps to the same ids and a re-send is recognised.
/// A person's id is a name-based UUID (RFC 9562 version 5, SHA-1) of their identifier. A session's resources share one
/// version 5 UUID of the session (its seed) and differ in its last four bytes, which carry the resource kind and index
/// (a version 8 UUID): one hash per session instead of one per resource, since each SHA-1 is a native call that costs
/// more than building the resource. 90 bits of the session's hash remain, so telling two sessions' resources apart
/// rests on SHA-1 second-preimage resistance, not on a birthday bound the submitter could search.
/// </summary>
public static class DeterministicId
{
    // Fixed namespace for StmFhir names; changing it would change every id ever issued.
    private static readonly Guid s_namespace = new("5c1e7d0a-3f43-4b8e-9f4e-2d1b7a6c0e11");

    // One reusable hash per thread: creating a hash context per call costs more than hashing (OpenSSL on Linux).
    [ThreadStatic]
    private static IncrementalHash? t_sha1;

    /// <summary>A lowercase version 5 UUID string for the given name parts (joined with '|').</summary>
    public static string From(params ReadOnlySpan<string> parts) => Seed(parts).ToString();

    /// <summary>
    /// The id of the <paramref name="index"/>th resource of kind <paramref name="kind"/> under <paramref name="seed"/>:
    /// the seed's first 12 bytes, then the kind and a 24-bit index, as a version 8 UUID.
    /// </summary>
    public static string Child(Guid seed, byte kind, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 0xFF_FFFF);
        Span<byte> bytes = stackalloc byte[16];
        seed.TryWriteBytes(bytes, bigEndian: true, out _);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80); // version 8 (custom)
        bytes[12] = kind;
        bytes[13] = (byte)(index >> 16);
        bytes[14] = (byte)(index >> 8);
        bytes[15] = (byte)index;
        return new Guid(bytes, bigEndian: true).ToString();
    }

    /// <summary>The version 5 UUID for the given name parts (joined with '|').</summary>
    public static Guid Seed(params ReadOnlySpan<string> parts)
    {
        // One native call to hash the whole name: each AppendData is a P/Invoke into OpenSSL.
        var length = 16 + parts.Length;
        foreach (var part in parts)
        {
            length += Encoding.UTF8.GetMaxByteCount(part.Length);
        }
        var rented = length > 512 ? new byte[length] : null;
        Span<byte> buffer = rented ?? stackalloc byte[512];
        s_namespace.TryWriteBytes(buffer, bigEndian: true, out _);
        var written = 16;
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                buffer[written++] = (byte)'|';
            }
            written += Encoding.UTF8.GetBytes(parts[i], buffer[written..]);
        }
        var sha1 = t_sha1 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        sha1.AppendData(buffer[..written]);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        sha1.GetHashAndReset(hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(hash[..16], bigEndian: true);
    }
}
