using System.Diagnostics.Metrics;
using System.Globalization;
using StmFhir.Exchange.Store;
using StmFhir.Exchange.Telemetry;

namespace StmFhir.Exchange.Outbox;

/// <summary>
/// The outbox's observable gauges (meter <c>StmFhir.Exchange</c>): rows per target and state, and the age of each
/// target's oldest undelivered row. They are read from the database through the outbox's status count
/// (<see cref="IOutboxStore.CountAsync"/>) and one query of the undelivered rows, and the reading is kept for
/// <see cref="CacheTime"/>: scrapes and exports that come more often cost no more queries.
/// </summary>
/// <remarks>One per host: the meter comes from the host's <see cref="IMeterFactory"/> and goes with it.</remarks>
internal sealed class OutboxGauges
{
    /// <summary>How long one reading of the database serves the gauges.</summary>
    public static readonly TimeSpan CacheTime = TimeSpan.FromSeconds(5);

    // A scrape waits this long for a fresh reading, then reports the last one (a busy database must not hang scrapes).
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(2);

    private readonly IOutboxStore _outbox;
    private readonly IReadOnlyCollection<string>? _targets;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private Reading _reading = new([], new Dictionary<string, long>(), DateTimeOffset.MinValue);
    private Task? _refresh;

    public OutboxGauges(IMeterFactory meters, IOutboxStore outbox, IReadOnlyCollection<string>? targets, TimeProvider time)
    {
        (_outbox, _targets, _time) = (outbox, targets, time);
        var meter = meters.Create(ExchangeTelemetry.Name);
        meter.CreateObservableGauge("stmfhir.outbox.rows", Rows, unit: "{row}",
            description: "Outbox delivery rows per target and state (pending, in_flight, dead, conflict).");
        meter.CreateObservableGauge("stmfhir.outbox.oldest_pending.age", OldestAges, unit: "s",
            description: "Age of each target's oldest row not delivered yet (pending or in flight); 0 when none.");
    }

    /// <summary>How many times the database was read (for tests of the cache).</summary>
    internal int Reads { get; private set; }

    private IEnumerable<Measurement<long>> Rows()
    {
        foreach (var counts in Current().Counts)
        {
            var target = new KeyValuePair<string, object?>(ExchangeTelemetry.TargetTag, counts.Target);
            yield return new(counts.Pending, target, new("stmfhir.outbox.state", OutboxStates.Pending));
            yield return new(counts.InFlight, target, new("stmfhir.outbox.state", OutboxStates.InFlight));
            yield return new(counts.Dead, target, new("stmfhir.outbox.state", OutboxStates.Dead));
            yield return new(counts.Conflict, target, new("stmfhir.outbox.state", OutboxStates.Conflict));
        }
    }

    private IEnumerable<Measurement<double>> OldestAges()
    {
        var reading = Current();
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return reading.Counts.Select(c => new Measurement<double>(
            reading.Oldest.TryGetValue(c.Target, out var at) ? Math.Max(0, now - at) / 1000.0 : 0,
            new KeyValuePair<string, object?>(ExchangeTelemetry.TargetTag, c.Target)));
    }

    private Reading Current()
    {
        Task refresh;
        lock (_lock)
        {
            if (_time.GetUtcNow() - _reading.At < CacheTime)
            {
                return _reading;
            }
            refresh = _refresh ??= Task.Run(RefreshAsync);
        }
        refresh.Wait(Patience);
        return _reading;
    }

    private async Task RefreshAsync()
    {
        try
        {
            Reads++;
            var counts = await _outbox.CountAsync(_targets).ConfigureAwait(false);
            var oldest = _outbox is OutboxStore store ? await store.OldestUndeliveredAsync().ConfigureAwait(false) : new Dictionary<string, long>();
            _reading = new Reading(counts, oldest, _time.GetUtcNow());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The database is down: the gauges keep the last reading, and the next scrape after the cache time tries again.
            _reading = _reading with { At = _time.GetUtcNow() };
        }
        finally
        {
            lock (_lock)
            {
                _refresh = null;
            }
        }
    }

    /// <summary>Per target, the commit time (Unix ms) of its oldest row pending or in flight.</summary>
    internal static async Task<IReadOnlyDictionary<string, long>> OldestUndeliveredAsync(StoreDialect dialect, CancellationToken cancellationToken)
    {
        await using var connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        // Reads only undelivered rows (by ix_outbox_delivery_due's leading target and state), never the delivered history.
        await using var command = connection.Command(
            "SELECT d.target, MIN(o.created_at) FROM outbox_delivery d JOIN outbox o ON o.id = d.outbox_id " +
            "WHERE d.state IN ('pending', 'in_flight') GROUP BY d.target");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var oldest = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            oldest[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
        }
        return oldest;
    }

    private sealed record Reading(IReadOnlyList<OutboxTargetCounts> Counts, IReadOnlyDictionary<string, long> Oldest, DateTimeOffset At);
}
