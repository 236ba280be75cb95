using System.Collections.Concurrent;

namespace StmFhir.Exchange.Targets.Authentication;

/// <summary>What a token is cached under: the token endpoint, the client, and the scopes asked for.</summary>
internal sealed record TokenCacheKey(Uri TokenEndpoint, string ClientId, string Scope);

/// <summary>
/// Access tokens, one per (token endpoint, client, scopes), shared by every target and request that asks with the same
/// three. A token is used until shortly before it expires (<see cref="RenewMargin"/>); one caller at a time fetches,
/// the others wait for its token; a token the server refused (401) is dropped so the next caller fetches a new one.
/// One per process.
/// </summary>
internal sealed class AccessTokenCache(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<TokenCacheKey, Slot> _slots = new();

    /// <summary>
    /// How long before expiry a token is renewed: a tenth of its lifetime, at most 30 seconds, so that a request never
    /// carries a token that expires on its way (5-minute tokens are renewed 30 s early, 4-second test tokens 0.4 s early).
    /// </summary>
    public static TimeSpan RenewMargin(TimeSpan lifetime) => TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(30).Ticks, lifetime.Ticks / 10));

    /// <summary>The cached token for <paramref name="key"/>, or the one <paramref name="fetch"/> gets (one fetch at a time per key).</summary>
    public async ValueTask<string> GetAsync(TokenCacheKey key, Func<CancellationToken, Task<IssuedToken>> fetch, CancellationToken cancellationToken)
    {
        var slot = _slots.GetOrAdd(key, _ => new Slot());
        if (Current(slot) is { } token)
        {
            return token;
        }
        await slot.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Current(slot) is { } fresh)
            {
                return fresh;
            }
            var requestedAt = timeProvider.GetUtcNow();
            var issued = await fetch(cancellationToken).ConfigureAwait(false);
            // Counted from the request, not the answer: the server's clock started before its answer reached us.
            slot.Cached = new Cached(issued.AccessToken, requestedAt + issued.Lifetime - RenewMargin(issued.Lifetime));
            return issued.AccessToken;
        }
        finally
        {
            slot.Lock.Release();
        }
    }

    /// <summary>Drops <paramref name="token"/> if it is still the cached one for <paramref name="key"/>.</summary>
    public void Invalidate(TokenCacheKey key, string token)
    {
        if (_slots.TryGetValue(key, out var slot) && slot.Cached is { } cached && cached.Token == token)
        {
            Interlocked.CompareExchange(ref slot.Cached, null, cached);
        }
    }

    private string? Current(Slot slot) => slot.Cached is { } cached && timeProvider.GetUtcNow() < cached.RenewAt ? cached.Token : null;

    private sealed record Cached(string Token, DateTimeOffset RenewAt);

    private sealed class Slot
    {
        public readonly SemaphoreSlim Lock = new(1, 1);
        public Cached? Cached;
    }
}
