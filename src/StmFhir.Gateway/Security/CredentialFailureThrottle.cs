using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Hl7.Fhir.Model;
using Microsoft.Extensions.Options;
using StmFhir.Gateway.Fhir;

namespace StmFhir.Gateway.Security;

/// <summary>
/// Counts failed credentials per client address with a fixed-window <see cref="PartitionedRateLimiter{TResource}"/>
/// (System.Threading.RateLimiting), so a credential cannot be guessed at the speed of the connection. An address that
/// has used up its failures is answered 429 with <c>Retry-After</c> until its window has passed, before its credential
/// is checked again. A request with a valid credential never reaches the limiter: the only work on the hot path is
/// reading one counter, which is zero unless an address is blocked.
/// </summary>
/// <remarks>
/// The address is the connection's peer. Behind a reverse proxy every client shares the proxy's address, so one
/// client's failures block them all: forward the client address (ASP.NET Core's forwarded headers) or turn this off
/// and throttle at the proxy. IPv6 clients are counted per /64 network, the block one subscriber usually holds. A
/// connection without an IP address (a Unix socket behind a proxy, the in-process test server) is not throttled: one
/// count for every client would let any of them lock out all the others.
/// </remarks>
internal sealed class CredentialFailureThrottle : IDisposable
{
    private const int SweepAbove = 1024;

    private readonly PartitionedRateLimiter<IPAddress>? _limiter;
    private readonly ConcurrentDictionary<IPAddress, long> _blockedUntil = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _window;
    private int _blocked;

    public CredentialFailureThrottle(IOptions<ApiAuthOptions> options, TimeProvider time)
    {
        var settings = options.Value.FailureThrottle;
        _time = time;
        _window = settings.Window;
        if (settings.Enabled)
        {
            var limiter = new FixedWindowRateLimiterOptions
            {
                PermitLimit = settings.FailuresPerWindow,
                Window = settings.Window,
                QueueLimit = 0,
                AutoReplenishment = true,
            };
            _limiter = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address => RateLimitPartition.GetFixedWindowLimiter(address, _ => limiter));
        }
    }

    /// <summary>Whether the request carries a credential (valid or not): only those are counted and held back.</summary>
    public static bool PresentsCredential(HttpRequest request) =>
        request.Headers.Authorization.Count > 0 || request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName);

    /// <summary>Whether the request's address has used up its failures; <paramref name="wait"/> is how long it still must wait.</summary>
    public bool IsBlocked(HttpContext context, out TimeSpan wait)
    {
        wait = TimeSpan.Zero;
        if (Volatile.Read(ref _blocked) == 0)
        {
            return false;
        }
        if (Address(context) is not { } address || !_blockedUntil.TryGetValue(address, out var until))
        {
            return false;
        }
        wait = _time.GetElapsedTime(_time.GetTimestamp(), until);
        if (wait > TimeSpan.Zero)
        {
            return true;
        }
        Unblock(address, until);
        return false;
    }

    /// <summary>Counts a failed credential; true when the address has now used up its failures (then answer 429, not 401).</summary>
    public bool Failed(HttpContext context, out TimeSpan wait)
    {
        wait = TimeSpan.Zero;
        if (_limiter is null || Address(context) is not { } address)
        {
            return false;
        }
        using var lease = _limiter.AttemptAcquire(address);
        if (lease.IsAcquired)
        {
            return false;
        }
        wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : _window;
        Block(address, _time.GetTimestamp() + (long)(wait.TotalSeconds * _time.TimestampFrequency));
        return true;
    }

    /// <summary>The 429 answer: an OperationOutcome and <c>Retry-After</c> in whole seconds.</summary>
    public static System.Threading.Tasks.Task TooManyFailures(HttpContext context, TimeSpan wait)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Outcomes.Write(context, StatusCodes.Status429TooManyRequests, OperationOutcome.IssueType.Throttled,
            $"Too many failed credentials from this address; try again in {seconds} s");
    }

    public void Dispose() => _limiter?.Dispose();

    private void Block(IPAddress address, long until)
    {
        while (true)
        {
            if (_blockedUntil.TryAdd(address, until))
            {
                if (Interlocked.Increment(ref _blocked) > SweepAbove)
                {
                    Sweep();
                }
                return;
            }
            if (_blockedUntil.TryGetValue(address, out var earlier) && _blockedUntil.TryUpdate(address, until, earlier))
            {
                return;
            }
        }
    }

    // Removes only the block it saw: a newer one for the same address stays.
    private void Unblock(IPAddress address, long until)
    {
        if (_blockedUntil.TryRemove(KeyValuePair.Create(address, until)))
        {
            Interlocked.Decrement(ref _blocked);
        }
    }

    // Addresses that never come back would otherwise stay listed; the list holds at most the addresses blocked in one window.
    private void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var (address, until) in _blockedUntil)
        {
            if (until <= now)
            {
                Unblock(address, until);
            }
        }
    }

    private static IPAddress? Address(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return null;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }
}
