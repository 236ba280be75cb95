using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace StmFhir.Gateway.Audit;

/// <summary>
/// The bounded in-memory queue between the request path and <see cref="AuditWriter"/>. Enqueueing never waits: when the
/// queue is full the record is dropped and counted, with a warning logged at most once per flush interval (see
/// <see cref="AuditOptions"/> for why dropping, not backpressure). Every audited request enqueues, from many threads at
/// once: the queue is an unbounded single-reader channel (lock-free writes) with its own count for the bound, since a
/// bounded channel takes one lock per write and per read, which the reads by id contended for.
/// </summary>
internal sealed partial class AuditQueue
{
    private readonly Channel<AuditEntry> _channel;
    private readonly long _capacity;
    private long _queued;
    private readonly ILogger<AuditQueue> _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _warnEvery;
    private long _dropped;
    private long _lastWarning = long.MinValue;

    public AuditQueue(IOptions<AuditOptions> options, TimeProvider time, ILogger<AuditQueue> logger)
    {
        var settings = options.Value;
        _channel = Channel.CreateUnbounded<AuditEntry>(new UnboundedChannelOptions { SingleReader = true });
        _capacity = settings.QueueCapacity;
        _time = time;
        _logger = logger;
        _warnEvery = settings.FlushInterval;
    }

    /// <summary>Records dropped because the queue was full, since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Waits until a record is queued; false once the queue is completed and empty.</summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _channel.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Takes the oldest queued record, if any (the writer's end).</summary>
    public bool TryDequeue(out AuditEntry entry)
    {
        if (!_channel.Reader.TryRead(out entry!))
        {
            return false;
        }
        Interlocked.Decrement(ref _queued);
        return true;
    }

    /// <summary>Queues a record, or drops and counts it when the queue is full. Never waits.</summary>
    public bool TryEnqueue(AuditEntry entry)
    {
        if (Interlocked.Increment(ref _queued) <= _capacity)
        {
            if (_channel.Writer.TryWrite(entry))
            {
                return true;
            }
            // Completed: the host is stopping; the record cannot be written any more.
            Interlocked.Decrement(ref _queued);
            return false;
        }
        Interlocked.Decrement(ref _queued);
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
