namespace StmFhir.Gateway.Security;

/// <summary>
/// How many failed credentials a client address may present before it must wait (configuration section
/// <c>Authentication:FailureThrottle</c>). Only failures count: a request with a valid credential never touches the limiter.
/// </summary>
internal sealed class FailureThrottleOptions
{
    /// <summary>Whether failed credentials are throttled at all. The default is true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Failed credentials one client address may present per <see cref="Window"/>. The default is 10.</summary>
    public int FailuresPerWindow { get; set; } = 10;

    /// <summary>
    /// The window the failures are counted in; an address over the limit gets 429 for up to one window, without its
    /// credential being checked. The default is one minute.
    /// </summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    public IEnumerable<string> Problems()
    {
        if (FailuresPerWindow is < 1 or > 100_000)
        {
            yield return "Authentication:FailureThrottle:FailuresPerWindow must be between 1 and 100000";
        }
        if (Window < TimeSpan.FromSeconds(1) || Window > TimeSpan.FromHours(24))
        {
            yield return "Authentication:FailureThrottle:Window must be between 00:00:01 and 24:00:00";
        }
    }
}
