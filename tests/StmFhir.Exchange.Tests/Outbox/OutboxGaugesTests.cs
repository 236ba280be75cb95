using System.Diagnostics.Metrics;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Store;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Outbox;

/// <summary>
/// The outbox's gauges on a real SQLite store, read through a <see cref="MeterListener"/> as an exporter reads them: rows
/// per target and state and the oldest undelivered row's age, from one reading of the database per cache time.
/// </summary>
public sealed class OutboxGaugesTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "stmfhir-gauges-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<(string Instrument, double Value, string Tags)> _measured = [];
    private readonly MeterListener _listener = new();
    private IResourceStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = ResourceStores.Create(new StorageOptions { DataDirectory = _folder }, _time, ["t"]);
        await _store.InitializeAsync();
        var factory = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == factory)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Measured(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Measured(i, v, tags));
        _listener.Start();
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _services.DisposeAsync();
        await ((IAsyncDisposable)_store).DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private void Measured(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _measured.Add((instrument.Name, value, string.Join(",", tags.ToArray().OrderBy(t => t.Key).Select(t => $"{t.Key}={t.Value}"))));

    private Task CommitAsync(string id) => _store.CommitAsync(new ChangeSet(
        [new Change(ChangeMethod.Update, new Patient { Id = id, Identifier = [new Identifier("https://example-hospital.org/mrn", id)] })], "test"));

    [Fact]
    public async Task TwoPendingRows_AreGaugedPerTargetAndState_WithTheOldestRowsAge_FromOneReadPerCacheTime()
    {
        await CommitAsync("p1");
        _time.Advance(TimeSpan.FromSeconds(30));
        await CommitAsync("p2");
        var gauges = new OutboxGauges(_services.GetRequiredService<IMeterFactory>(), _store.Outbox(), ["t"], _time);

        _listener.RecordObservableInstruments();
        _listener.RecordObservableInstruments();

        Assert.Contains(("stmfhir.outbox.rows", 2.0, "stmfhir.outbox.state=pending,stmfhir.target=t"), _measured);
        Assert.Contains(("stmfhir.outbox.rows", 0.0, "stmfhir.outbox.state=dead,stmfhir.target=t"), _measured);
        Assert.Contains(("stmfhir.outbox.oldest_pending.age", 30.0, "stmfhir.target=t"), _measured);
        Assert.Equal(1, gauges.Reads);

        _time.Advance(OutboxGauges.CacheTime);
        _listener.RecordObservableInstruments();

        Assert.Equal(2, gauges.Reads);
    }
}
