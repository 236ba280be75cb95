namespace StmFhir.Exchange.Outbox;

/// <summary>How the outbox dispatcher polls, claims and backs off (configuration section <c>Exchange:Outbox</c>).</summary>
public sealed class OutboxOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Exchange:Outbox";

    /// <summary>The wait between polls when no row is due.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Rows claimed per target and poll.</summary>
    public int BatchSize { get; set; } = 10;

    /// <summary>
    /// How long a claim holds; a row still in flight after that (its dispatcher died) is claimed again. The dispatcher
    /// renews the lease every third of it while it delivers the row, so a slow delivery is not taken over. The default is
    /// 5 minutes.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The wait before the second attempt after a transient failure; it doubles per attempt.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between attempts.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Every problem with these options; empty when they are usable.</summary>
    public IEnumerable<string> Problems()
    {
        if (PollInterval <= TimeSpan.Zero)
        {
            yield return "Exchange:Outbox:PollInterval must be positive";
        }
        if (BatchSize is < 1 or > 1000)
        {
            yield return "Exchange:Outbox:BatchSize must be from 1 to 1000";
        }
        if (Lease < TimeSpan.FromSeconds(1))
        {
            yield return "Exchange:Outbox:Lease must be at least 1 second";
        }
        if (RetryDelay <= TimeSpan.Zero || MaxRetryDelay < RetryDelay)
        {
            yield return "Exchange:Outbox:RetryDelay must be positive and MaxRetryDelay at least RetryDelay";
        }
    }

    /// <summary>The wait before attempt <paramref name="attempts"/> + 1.</summary>
    public TimeSpan BackOff(int attempts)
    {
        var factor = Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var delay = RetryDelay.TotalMilliseconds * factor;
        return delay >= MaxRetryDelay.TotalMilliseconds ? MaxRetryDelay : TimeSpan.FromMilliseconds(delay);
    }
}
