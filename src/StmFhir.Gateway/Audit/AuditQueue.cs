using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace StmFhir.Gateway.Audit;

/// <summary>
/// The bounded in-memory queue between the request path and <see cref="AuditWriter"/>. Enqueueing never waits: when the
/// queue is full the record is dropped and counted, with a warning logged at most once per flush interval (see
/// <see cref="AuditOptions"/> for why dropping, not backpressure).
/// </summary>
internal sealed partial class AuditQueue
{
    private readonly Channel<AuditEntry> _channel;
    private readonly ILogger<AuditQueue> _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _warnEvery;
    private long _dropped;
    private long _lastWarning = long.MinValue;

    public AuditQueue(IOptions<AuditOptions> options, TimeProvider time, ILogger<AuditQueue> logger)
    {
        var settings = options.Value;
        _channel = Channel.CreateBounded<AuditEntry>(new BoundedChannelOptions(settings.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _time = time;
        _logger = logger;
        _warnEvery = settings.FlushInterval;
    }

    /// <summary>Records dropped because the queue was full, since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The writer's end.</summary>
    public ChannelReader<AuditEntry> Reader => _channel.Reader;

    /// <summary>Queues a record, or drops and counts it when the queue is full. Never waits.</summary>
    public bool TryEnqueue(AuditEntry entry)
    {
        // With FullMode.Wait, TryWrite answers false instead of dropping silently, so the drop is counted here.
        if (_channel.Writer.TryWrite(entry))
        {
            return true;
        }
        var dropped = Interlocked.Increment(ref _dropped);
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastWarning);
        if ((last == long.MinValue || _time.GetElapsedTime(last, now) >= _warnEvery) && Interlocked.CompareExchange(ref _lastWarning, now, last) == last)
        {
            LogDropped(dropped);
        }
        return false;
    }

    /// <summary>No more records (the host is stopping); the writer drains what is queued.</summary>
    public void Complete() => _channel.Writer.TryComplete();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit queue full: records are being dropped ({AuditDropped} since start); the database is not keeping up with the audit trail")]
    private partial void LogDropped(long auditDropped);
}
