using System.Collections.Concurrent;

namespace StmFhir.Exchange.Push;

/// <summary>
/// What deliveries in this process learned about one target's resources: the id a Patient or Practitioner's
/// conditional create found or made (keyed <c>Type?identifier=...</c>), and the version each resource the gateway
/// wrote has there now (keyed <c>Type/id</c>). A remembered person is not created again but checked by a read inside
/// the transaction that refers to it (a person the target deleted fails that transaction, and the delivery is repeated
/// with conditional creates); a remembered version stands in for the read before writing (a <c>200</c> with the same
/// version is Unchanged). Only a cache: forgetting loses a round trip, never correctness. Thread-safe.
/// </summary>
internal sealed class TargetMemory
{
    /// <summary>Entries kept per target before the memory starts again from empty (about 200 bytes each).</summary>
    public const int Capacity = 200_000;

    private readonly ConcurrentDictionary<string, Known> _known = new(StringComparer.Ordinal);

    /// <summary>The target's id and version of the resource <paramref name="key"/> names, if remembered.</summary>
    public bool TryRecall(string key, out Known known) => _known.TryGetValue(key, out known);

    public void Remember(string key, string id, string? version)
    {
        if (_known.Count >= Capacity)
        {
            // Simpler than an LRU, and a cache miss only costs the round trips a first delivery makes.
            _known.Clear();
        }
        _known[key] = new Known(id, version);
    }

    public void Forget(string key) => _known.TryRemove(key, out _);

    /// <summary>A resource's id at the target and the version it had after the gateway last wrote or read it.</summary>
    internal readonly record struct Known(string Id, string? Version);
}
