using System.Buffers;
using System.Text;

namespace StmFhir.Gateway.Audit;

/// <summary>
/// Finds the patients an exchange names, in the bytes of its request and response bodies as they pass: every
/// <c>Patient/{id}</c> (a reference, a <c>Location</c>, a <c>fullUrl</c>) and every <c>"resourceType":"Patient","id":"{id}"</c>
/// (a Patient resource, or a stored resource listed in a session's answer). Reading bytes only, it never keeps or parses a
/// body: what it returns is the ids. Chunks arrive in any sizes; a match cut by a chunk's end is found with the next chunk.
/// </summary>
/// <param name="limit">Most patients kept; later ones are counted in <see cref="Overflow"/> only.</param>
internal sealed class PatientScanner(int limit)
{
    // A FHIR id has at most 64 characters; this covers the longest pattern plus an id and its end.
    private const int Carry = 128;
    private static readonly byte[] s_reference = "Patient/"u8.ToArray();
    private static readonly byte[] s_resource = "\"resourceType\":\"Patient\",\"id\":\""u8.ToArray();
    private static readonly SearchValues<byte> s_idBytes =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-."u8);

    private readonly HashSet<string> _patients = new(StringComparer.Ordinal);
    private byte[] _tail = [];

    /// <summary>The patients found so far, as <c>Patient/{id}</c>.</summary>
    public IReadOnlyCollection<string> Patients => _patients;

    /// <summary>True when more patients were named than <c>limit</c> allows.</summary>
    public bool Overflow { get; private set; }

    /// <summary>Adds a patient known otherwise (the id in a request's path).</summary>
    public void Add(string id)
    {
        if (id.Length is > 0 and <= 64 && !id.AsSpan().ContainsAnyExcept(s_idBytesChars))
        {
            Keep(id);
        }
    }

    private static readonly SearchValues<char> s_idBytesChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.");

    /// <summary>Scans the next chunk of a body.</summary>
    public void Scan(ReadOnlySpan<byte> chunk)
    {
        if (chunk.IsEmpty)
        {
            return;
        }
        // The previous chunk's end is scanned again with this one's start, so a pattern split between them is whole.
        var joined = ArrayPool<byte>.Shared.Rent(_tail.Length + chunk.Length);
        try
        {
            _tail.CopyTo(joined, 0);
            chunk.CopyTo(joined.AsSpan(_tail.Length));
            var span = joined.AsSpan(0, _tail.Length + chunk.Length);
            Find(span, s_reference, requireBoundary: true);
            Find(span, s_resource, requireBoundary: false);
            _tail = span[Math.Max(0, span.Length - Carry)..].ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(joined);
        }
    }

    private void Find(ReadOnlySpan<byte> span, byte[] pattern, bool requireBoundary)
    {
        var from = 0;
        while (from < span.Length)
        {
            var at = span[from..].IndexOf(pattern);
            if (at < 0)
            {
                return;
            }
            at += from;
            var start = at + pattern.Length;
            from = start;
            // "Patient/" must start a reference or a path segment (not "StmPatient/..."), and the id must end inside this span.
            if (requireBoundary && at > 0 && span[at - 1] is not ((byte)'"' or (byte)'/'))
            {
                continue;
            }
            var length = span[start..].IndexOfAnyExcept(s_idBytes);
            if (length is > 0 and <= 64)
            {
                Keep(Encoding.ASCII.GetString(span.Slice(start, length)));
            }
        }
    }

    private void Keep(string id)
    {
        if (_patients.Count < limit)
        {
            _patients.Add("Patient/" + id);
        }
        else if (!_patients.Contains("Patient/" + id))
        {
            Overflow = true;
        }
    }
}
