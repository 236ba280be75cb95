namespace StmFhir.Gateway.Audit;

/// <summary>
/// The audit trail (configuration section <c>Audit</c>): one AuditEvent per access to patient data and per refused
/// credential, queued in memory on the request path and written in batches by a background writer to the store's
/// database (tables <c>audit_event</c> and <c>audit_patient</c>).
/// </summary>
/// <remarks>
/// What a crash can lose: the records still in the queue, which is at most <see cref="QueueCapacity"/> records and, in
/// steady state, about one <see cref="FlushInterval"/> of traffic (plus a batch being written when the process dies). A
/// normal stop writes the queue out first. When the queue is full (the database has stopped taking writes for longer
/// than the queue covers) a new record is dropped, counted, and a warning logged (once per interval): the audit trail
/// must not stall or refuse clinical traffic, which a full queue applying backpressure would do.
/// </remarks>
internal sealed class AuditOptions
{
    public const string Section = "Audit";

    /// <summary>Whether accesses are audited. The default is true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Most records waiting to be written (100-1000000); past it new ones are dropped and counted. The default is 10000.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Most records written in one database transaction (1-10000). The default is 500.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// How long the writer gathers records before it writes them (00:00:00.010-00:01:00): at most this much traffic is
    /// lost to a crash in steady state. The default is one second.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Days an AuditEvent is kept (1-36500); older ones are deleted at start and every hour. The default is 2190 (six years).</summary>
    public int RetentionDays { get; set; } = 2190;

    public IEnumerable<string> Problems()
    {
        if (QueueCapacity is < 100 or > 1_000_000)
        {
            yield return "Audit:QueueCapacity must be between 100 and 1000000";
        }
        if (BatchSize is < 1 or > 10_000)
        {
            yield return "Audit:BatchSize must be between 1 and 10000";
        }
        if (FlushInterval < TimeSpan.FromMilliseconds(10) || FlushInterval > TimeSpan.FromMinutes(1))
        {
            yield return "Audit:FlushInterval must be between 00:00:00.010 and 00:01:00";
        }
        if (RetentionDays is < 1 or > 36_500)
        {
            yield return "Audit:RetentionDays must be between 1 and 36500";
        }
    }
}
