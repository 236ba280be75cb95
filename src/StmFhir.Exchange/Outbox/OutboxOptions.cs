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

    /// <summary>The wait before attempt <paramref name="attempts"/> + 1.</summary>
    public TimeSpan BackOff(int attempts)
    {
        var factor = Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var delay = RetryDelay.TotalMilliseconds * factor;
        return delay >= MaxRetryDelay.TotalMilliseconds ? MaxRetryDelay : TimeSpan.FromMilliseconds(delay);
    }
}
