using Hl7.Fhir.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Store;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Outbox;

/// <summary>
/// The dispatcher's bookkeeping with a scripted deliverer and a fake clock, on a real SQLite store: the Bundle it builds,
/// back-off after transient failures, dead-lettering, and that a failing row never holds up the others.
/// </summary>
public sealed class OutboxDispatcherTests : IAsyncLifetime
{
    private const string Target = "t";
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "stmfhir-dispatch-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 5, 8, 0, 0, TimeSpan.Zero));
    private readonly ScriptedDeliverer _deliverer = new();
    private readonly OutboxOptions _options = new() { BatchSize = 10, RetryDelay = TimeSpan.FromSeconds(10), MaxRetryDelay = TimeSpan.FromSeconds(30) };
    private IResourceStore _store = null!;
    private OutboxDispatcher _dispatcher = null!;

    private IOutboxStore Outbox => _store.Outbox();

    public async Task InitializeAsync()
    {
        _store = ResourceStores.Create(new StorageOptions { DataDirectory = _folder }, _time);
        await _store.InitializeAsync();
        _dispatcher = new OutboxDispatcher(_store, Outbox, null!, _deliverer, Options.Create(_options), _time, NullLogger<OutboxDispatcher>.Instance);
    }

    public async Task DisposeAsync()
    {
        _dispatcher.Dispose();
        await ((IAsyncDisposable)_store).DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task CommitAsync(string id)
    {
        var patient = new Patient { Id = id, Identifier = [new Identifier("https://example-hospital.org/mrn", id.ToUpperInvariant())] };
        var observation = new Observation { Id = id + "-obs", Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "72514-3"), Subject = new ResourceReference($"Patient/{id}") };
        await _store.CommitAsync(new ChangeSet([new Change(ChangeMethod.Update, patient), new Change(ChangeMethod.Update, observation)], "test"));
    }

    private async Task<Dictionary<long, OutboxDeliveryRow>> RowsAsync() => (await Outbox.ListAsync()).ToDictionary(r => r.OutboxId);

    [Fact]
    public async Task Bundle_HasPeopleAsConditionalCreatesAndTheRestAsPuts()
    {
        await CommitAsync("p1");

        await _dispatcher.DispatchOnceAsync(Target, CancellationToken.None);

        var request = Assert.Single(_deliverer.Requests);
        Assert.Equal(Target, request.Target);
        Assert.StartsWith("outbox/", request.SourceId);
        var patient = request.Bundle.Entry.Single(e => e.Resource is Patient);
        Assert.Equal((Bundle.HTTPVerb.POST, "Patient", "identifier=https://example-hospital.org/mrn|P1"), (patient.Request!.Method!.Value, patient.Request.Url, patient.Request.IfNoneExist));
        var observation = request.Bundle.Entry.Single(e => e.Resource is Observation);
        Assert.Equal((Bundle.HTTPVerb.PUT, "Observation/p1-obs"), (observation.Request!.Method!.Value, observation.Request.Url));
        // The skeleton carries the stored version (recorded as delivered, for the next If-Match); the wire copy drops it (DeliveryBundleWriter).
        Assert.Equal("1", observation.Resource!.Meta?.VersionId);
        Assert.Equal(OutboxStates.Delivered, Assert.Single((await RowsAsync()).Values).State);
    }

    [Theory]
    [InlineData(1, 1, true)]
    [InlineData(2, 1, false)] // an earlier attempt may have written them
    [InlineData(1, 2, false)] // an earlier row delivered the first version
    public void RowIsNewAtTheTarget_OnlyOnItsFirstAttemptWithEveryResourceAtItsFirstVersion(int attempts, int version, bool expected) =>
        Assert.Equal(expected, OutboxDispatcher.IsNew(new OutboxClaim(1, Target, "c", attempts, "s",
            new OutboxPayload([new OutboxResource("Procedure", "p", version), new OutboxResource("Observation", "o", 1)]))));

    [Fact]
    public async Task RowsClaimedTogether_AreDeliveredInOneCall_EachWithItsOwnResult()
    {
        await CommitAsync("g1");
        await CommitAsync("g2");
        await CommitAsync("g3");
        _deliverer.Script = id => id == "outbox/2" ? new DeliveryFailure(DeliveryFailureKind.Permanent, "no", 422) : null;

        Assert.Equal(3, await _dispatcher.DispatchOnceAsync(Target, CancellationToken.None));

        Assert.Equal([3], _deliverer.Groups);
        var rows = await RowsAsync();
        Assert.Equal([OutboxStates.Delivered, OutboxStates.Dead, OutboxStates.Delivered], rows.Values.OrderBy(r => r.OutboxId).Select(r => r.State));
    }

    [Fact]
    public async Task RowWithAnUnreadableStoredResource_IsRetriedLater_WhileTheRowsClaimedWithItAreDelivered()
    {
        await CommitAsync("u1");
        await CommitAsync("u2");
        await CommitAsync("u3");
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={new StorageOptions { DataDirectory = _folder }.SqlitePath}"))
        {
            await connection.OpenAsync();
            await using var corrupt = connection.CreateCommand();
            corrupt.CommandText = "UPDATE resource_versions SET json = '{not json' WHERE type = 'Observation' AND id = 'u2-obs'";
            Assert.Equal(1, await corrupt.ExecuteNonQueryAsync());
        }

        Assert.Equal(3, await _dispatcher.DispatchOnceAsync(Target, CancellationToken.None));

        Assert.Equal([2], _deliverer.Groups);
        var rows = await RowsAsync();
        Assert.Equal([OutboxStates.Delivered, OutboxStates.Pending, OutboxStates.Delivered], rows.Values.OrderBy(r => r.OutboxId).Select(r => r.State));
        Assert.Equal(_time.GetUtcNow().AddSeconds(10), rows[2].NextAttemptAt);
    }

    [Fact]
    public async Task TransientFailure_BacksOff_AndAPermanentOneDeadLetters_WhileOtherRowsAreDelivered()
    {
        await CommitAsync("p1");
        await CommitAsync("p2");
        await CommitAsync("p3");
        _deliverer.Script = source => source switch
        {
            _ when source.EndsWith("/1", StringComparison.Ordinal) => new DeliveryFailure(DeliveryFailureKind.Transient, "down", 503),
            _ when source.EndsWith("/2", StringComparison.Ordinal) => new DeliveryFailure(DeliveryFailureKind.Permanent, "refused", 422, new OperationOutcome()),
            _ => null,
        };

        Assert.Equal(3, await _dispatcher.DispatchOnceAsync(Target, CancellationToken.None));

        var rows = await RowsAsync();
        Assert.Equal((OutboxStates.Pending, "down", _time.GetUtcNow().AddSeconds(10)), (rows[1].State, rows[1].Error, rows[1].NextAttemptAt));
        Assert.Equal((OutboxStates.Dead, 422), (rows[2].State, rows[2].HttpStatus));
        Assert.Contains("OperationOutcome", rows[2].Outcome);
        Assert.Equal(OutboxStates.Delivered, rows[3].State);

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, await _dispatcher.DispatchOnceAsync(Target, CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await _dispatcher.DispatchOnceAsync(Target, CancellationToken.None));
        Assert.Equal(_time.GetUtcNow().AddSeconds(20), (await RowsAsync())[1].NextAttemptAt);

        _deliverer.Script = _ => null;
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(1, await _dispatcher.DispatchOnceAsync(Target, CancellationToken.None));
        Assert.Equal(OutboxStates.Delivered, (await RowsAsync())[1].State);
        Assert.Equal(OutboxStates.Dead, (await RowsAsync())[2].State);
    }

    private sealed class ScriptedDeliverer : IFhirDeliverer
    {
        public List<DeliveryRequest> Requests { get; } = [];

        public Func<string, DeliveryFailure?> Script { get; set; } = _ => null;

        /// <summary>How many Bundles each <see cref="DeliverAllAsync"/> call had.</summary>
        public List<int> Groups { get; } = [];

        public async Task<IReadOnlyList<DeliveryResult>> DeliverAllAsync(IReadOnlyList<DeliveryRequest> requests, CancellationToken cancellationToken = default)
        {
            lock (Groups)
            {
                Groups.Add(requests.Count);
            }
            var results = new List<DeliveryResult>();
            foreach (var request in requests)
            {
                results.Add(await DeliverAsync(request, cancellationToken));
            }
            return results;
        }

        public Task<DeliveryResult> DeliverAsync(DeliveryRequest request, CancellationToken cancellationToken = default)
        {
            lock (Requests)
            {
                Requests.Add(request);
            }
            var failure = Script(request.SourceId ?? "");
            return Task.FromResult(new DeliveryResult
            {
                Target = request.Target,
                StartedAt = DateTimeOffset.UnixEpoch,
                Resources = failure is null
                    ? [.. request.Bundle.Entry.Select(e => new ResourceDelivery(e.Resource!.TypeName, e.FullUrl!, e.Resource.Id!, "1", ResourceChange.Created))]
                    : [],
                Failure = failure,
            });
        }
    }
}
