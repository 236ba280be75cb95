using System.Collections.Concurrent;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Core.Validation.Definitions;

/// <summary>
/// The StmFhir profiles (snapshots already generated) in front of the R4 core definitions, safe to share across
/// threads: the SDK's sources are not thread-safe, so every miss goes through one lock, and every answer (found or
/// not) is remembered in a concurrent map that later lookups read without locking. The URIs asked for come from the
/// input (<c>meta.profile</c>, extension urls, code systems), so what is not found is remembered only while it is short
/// and few (<see cref="Misses"/>): a stream of made-up URLs of megabytes each must not stay in memory.
/// </summary>
internal sealed class ConformanceResolver(IReadOnlyDictionary<string, Resource> local, IResourceResolver core)
    : IResourceResolver, IAsyncResourceResolver
{
    private readonly ConcurrentDictionary<string, Resource?> _byCanonical = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Resource?> _byUri = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Misses _misses = new();

    /// <summary>The local (profiles/) artefacts by canonical URL.</summary>
    public IReadOnlyDictionary<string, Resource> Local { get; } = local;

    public Resource? ResolveByCanonicalUri(string uri) =>
        _byCanonical.TryGetValue(uri, out var known) ? known : Remember(_byCanonical, uri, () => Local.TryGetValue(StripVersion(uri), out var r) ? r : core.TryResolveByCanonicalUri(uri).Value);

    public Resource? ResolveByUri(string uri) =>
        _byUri.TryGetValue(uri, out var known) ? known : Remember(_byUri, uri, () => Local.TryGetValue(uri, out var r) ? r : core.TryResolveByUri(uri).Value);

    public Task<Resource?> ResolveByCanonicalUriAsync(string uri) => Task.FromResult(ResolveByCanonicalUri(uri));

    public Task<Resource?> ResolveByUriAsync(string uri) => Task.FromResult(ResolveByUri(uri));

    public ResolverResult TryResolveByCanonicalUri(string uri) => Result(ResolveByCanonicalUri(uri), uri);

    public ResolverResult TryResolveByUri(string uri) => Result(ResolveByUri(uri), uri);

    public Task<ResolverResult> TryResolveByCanonicalUriAsync(string uri) => Task.FromResult(TryResolveByCanonicalUri(uri));

    public Task<ResolverResult> TryResolveByUriAsync(string uri) => Task.FromResult(TryResolveByUri(uri));

    private Resource? Remember(ConcurrentDictionary<string, Resource?> map, string uri, Func<Resource?> resolve)
    {
        lock (_gate)
        {
            if (map.TryGetValue(uri, out var known))
            {
                return known;
            }
            var resource = resolve();
            if (resource is not null || _misses.Remember(uri))
            {
                map[uri] = resource;
            }
            return resource;
        }
    }

    private static ResolverResult Result(Resource? resource, string uri) =>
        resource is not null ? new ResolverResult(resource) : new ResolverResult(new ResolverException(ResolverException.NOT_FOUND, $"'{uri}' is not a known conformance resource."));

    internal static string StripVersion(string canonical)
    {
        var bar = canonical.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? canonical : canonical[..bar];
    }

    /// <summary>
    /// Which misses a resolver remembers: a URI of at most <see cref="MaxLength"/> characters, up to <see cref="MaxCount"/>
    /// of them; past that a miss is asked again each time (a lookup in a dictionary, cheap), not kept. Not thread-safe:
    /// called under its owner's lock.
    /// </summary>
    internal sealed class Misses
    {
        /// <summary>The longest URI remembered as not found (a real canonical URL is well under this).</summary>
        public const int MaxLength = 1024;

        /// <summary>The most misses remembered.</summary>
        public const int MaxCount = 1000;

        private int _count;

        /// <summary>Whether this miss may be remembered; counts it when so.</summary>
        public bool Remember(string uri)
        {
            if (uri.Length > MaxLength || _count >= MaxCount)
            {
                return false;
            }
            _count++;
            return true;
        }
    }
}
