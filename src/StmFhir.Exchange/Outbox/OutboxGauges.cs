using System.Diagnostics.Metrics;
using StmFhir.Exchange.Telemetry;

namespace StmFhir.Exchange.Outbox;

/// <summary>
/// The outbox's observable gauges (meter <c>StmFhir.Exchange</c>): rows per target and state, and the age of each
/// target's oldest undelivered row. Both come from one reading of the outbox's status count
/// (<see cref="IOutboxStore.CountAsync"/>, which also gives <see cref="OutboxTargetCounts.OldestPendingAt"/>), kept for
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
    private Reading _reading = new([], DateTimeOffset.MinValue);
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
        var now = _time.GetUtcNow();
        return Current().Counts.Select(c => new Measurement<double>(
            c.OldestPendingAt is { } at ? Math.Max(0, (now - at).TotalSeconds) : 0,
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
            _reading = new Reading(await _outbox.CountAsync(_targets).ConfigureAwait(false), _time.GetUtcNow());
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

    private sealed record Reading(IReadOnlyList<OutboxTargetCounts> Counts, DateTimeOffset At);
}
