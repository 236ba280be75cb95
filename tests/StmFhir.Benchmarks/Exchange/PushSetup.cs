using System.Net.Http.Headers;
using System.Text.Json;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Exchange;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Store;
using StmFhir.Exchange.Targets;

namespace StmFhir.Benchmarks.Exchange;

/// <summary>
/// The peer (validation off), the deliverers and a plain HttpClient, and the cases that <see cref="PushBenchmarks"/>
/// and <see cref="PushProbe"/> compare. "New" delivers fresh sessions every time (everything is created); "Repeat"
/// delivers the same sessions again (everything is unchanged). The deliverer and dispatcher with the literal-ras-2 form
/// on (<c>Compatibility:LiteralRas2 = On</c>) deliver sessions of their own (ids suffixed <c>-ras2</c>), so that in
/// "Repeat" neither form overwrites the other's RiskAssessments.
/// </summary>
internal sealed class PushSetup : IDisposable
{
    private static readonly JsonSerializerOptions s_json = FhirJson.Compact;

    private readonly PeerProcess _peer;
    private readonly ServiceProvider _services;
    private readonly ServiceProvider _servicesWithoutReads;
    private readonly ServiceProvider _servicesLiteralRas2;
    private readonly HttpClient _http;
    private readonly List<StmSession> _sessions;
    private readonly string _storeFolder = Path.Combine(Path.GetTempPath(), "stmfhir-push-" + Guid.NewGuid().ToString("N"));
    private readonly IResourceStore _store;
    private readonly OutboxDispatcher _dispatcher;
    private readonly OutboxDispatcher _dispatcherLiteralRas2;
    private int _round;

    public PushSetup()
    {
        _peer = PeerProcess.Start();
        // The straight post sends correct R4, which Medplum 4.5.2's validator refuses (ras-2; the deliverer would learn
        // the literal-ras-2 form from that), and validation would only add the same server time to both sides.
        _peer.Configure("""{"validate":false}""");
        (_services, Deliverer) = Create(readVersions: true);
        (_servicesWithoutReads, DelivererWithoutReads) = Create(readVersions: false);
        (_servicesLiteralRas2, DelivererLiteralRas2) = Create(readVersions: true, FhirCompatibilityMode.On);
        _http = new HttpClient { BaseAddress = _peer.BaseUrl };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        _sessions = [.. Directory.GetFiles(RepoFiles.Samples("sessions"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => StmSessionReader.Read(File.ReadAllBytes(f)).Session ?? throw new InvalidOperationException($"{f} is not a valid session"))];
        // The gateway's store (SQLite, the default) and its dispatcher, delivering with the default deliverer.
        _store = ResourceStores.Create(new StorageOptions { DataDirectory = _storeFolder }, TimeProvider.System);
        _store.InitializeAsync().GetAwaiter().GetResult();
        _dispatcher = Dispatcher(_services, Deliverer);
        _dispatcherLiteralRas2 = Dispatcher(_servicesLiteralRas2, DelivererLiteralRas2);
    }

    public IFhirDeliverer Deliverer { get; }

    public IFhirDeliverer DelivererWithoutReads { get; }

    /// <summary>The default deliverer with the literal-ras-2 form on (<c>Compatibility:LiteralRas2 = On</c>).</summary>
    public IFhirDeliverer DelivererLiteralRas2 { get; }

    /// <summary>
    /// Each Bundle as one <c>batch</c> (a transaction of more than 8 entries with conditional entries is refused, as by
    /// Medplum). The peer rewrites the <c>urn:uuid</c> references in a batch too, so the people's references end up at
    /// the ids their conditional creates found or made: the same data as the deliverer leaves, without its Provenance.
    /// </summary>
    public async Task<int> PostStraightAsync(string mode)
    {
        var arrived = 0;
        foreach (var bundle in Bundles(mode))
        {
            bundle.Type = Bundle.BundleType.Batch;
            await PostAsync(JsonSerializer.SerializeToUtf8Bytes(bundle, s_json));
            arrived++;
        }
        return arrived;
    }

    /// <summary>
    /// Patient and Practitioner as a batch of conditional creates, then the rest as one transaction of PUTs with the
    /// people's references replaced by the ids the batch returned (all-or-nothing for the clinical resources).
    /// </summary>
    public async Task<int> PostPreSplitAsync(string mode)
    {
        var arrived = 0;
        foreach (var bundle in Bundles(mode))
        {
            var people = new Bundle { Type = Bundle.BundleType.Batch };
            var rest = new Bundle { Type = Bundle.BundleType.Transaction };
            foreach (var entry in bundle.Entry)
            {
                (entry.Request?.IfNoneExist is null ? rest : people).Entry.Add(entry);
            }
            var resolved = await PostAsync(JsonSerializer.SerializeToUtf8Bytes(people, s_json));
            using var answer = JsonDocument.Parse(resolved);
            var json = JsonSerializer.Serialize(rest, s_json);
            var entries = answer.RootElement.GetProperty("entry");
            for (var i = 0; i < people.Entry.Count; i++)
            {
                var location = entries[i].GetProperty("response").GetProperty("location").GetString()!.Split('/');
                json = json.Replace($"\"{people.Entry[i].FullUrl}\"", $"\"{location[0]}/{location[1]}\"", StringComparison.Ordinal);
            }
            await PostAsync(System.Text.Encoding.UTF8.GetBytes(json));
            arrived++;
        }
        return arrived;
    }

    /// <summary>
    /// One <see cref="IFhirDeliverer.DeliverAsync"/> per Bundle; with <paramref name="newAtTarget"/> (only true of
    /// "New") the caller vouches that the sessions were never delivered, as the dispatcher does for a row's first attempt.
    /// </summary>
    public async Task<int> DeliverAllAsync(IFhirDeliverer deliverer, string mode, bool newAtTarget = false)
    {
        var arrived = 0;
        foreach (var bundle in Bundles(mode, deliverer == DelivererLiteralRas2 ? "-ras2" : ""))
        {
            var result = await deliverer.DeliverAsync(new DeliveryRequest("peer", bundle) { NewAtTarget = newAtTarget && mode == "New" });
            arrived += result.Succeeded ? 1 : throw new InvalidOperationException(result.Failure!.Message);
        }
        return arrived;
    }

    /// <summary>
    /// What making the literal-ras-2 form costs, alone: microseconds per RiskAssessment of the sample sessions (their
    /// stored-style compact JSON), the mean of many runs after a warm-up. The deliverer makes it once per planned write.
    /// </summary>
    public double LiteralRas2FormMicroseconds()
    {
        var assessments = _sessions.SelectMany(s => StmBundleMapper.ToBundle(s).Entry).Select(e => e.Resource).OfType<RiskAssessment>()
            .Select(r => JsonSerializer.SerializeToUtf8Bytes(r, s_json)).ToList();
        const int runs = 2000;
        var clock = new System.Diagnostics.Stopwatch();
        for (var pass = 0; pass < 2; pass++)
        {
            clock.Restart();
            for (var i = 0; i < runs; i++)
            {
                foreach (var json in assessments)
                {
                    LiteralRas2Form.Apply(json);
                }
            }
        }
        return clock.Elapsed.TotalMicroseconds / (runs * assessments.Count);
    }

    /// <summary>All Bundles in one call: they share the batch of reads and conditional creates (as the dispatcher's claimed rows do).</summary>
    public async Task<int> DeliverGroupAsync(IFhirDeliverer deliverer, string mode)
    {
        var results = await deliverer.DeliverAllAsync([.. Bundles(mode).Select(b => new DeliveryRequest("peer", b))]);
        return results.All(r => r.Succeeded) ? results.Count : throw new InvalidOperationException(results.First(r => !r.Succeeded).Failure!.Message);
    }

    /// <summary>Stores every session as the gateway does on intake (its resources and an outbox row, one commit each); not timed.</summary>
    public async System.Threading.Tasks.Task CommitAsync(string mode, string variant = "")
    {
        foreach (var bundle in Bundles(mode, variant))
        {
            await _store.CommitAsync(TransactionBundles.ToChangeSet(bundle, "push-benchmark"));
        }
    }

    /// <summary>
    /// The push path as the gateway runs it, for the rows <see cref="CommitAsync"/> stored: the dispatcher claims them,
    /// builds each row's Bundle from the store, delivers them (one <see cref="IFhirDeliverer.DeliverAllAsync"/> call) and
    /// records every row's result.
    /// </summary>
    public async Task<int> DispatchAsync(string mode) => await DispatchAsync(_dispatcher);

    /// <summary><see cref="DispatchAsync(string)"/> with the literal-ras-2 form on, for the rows <c>CommitAsync(mode, "-ras2")</c> stored.</summary>
    public async Task<int> DispatchLiteralRas2Async(string mode) => await DispatchAsync(_dispatcherLiteralRas2);

    private async Task<int> DispatchAsync(OutboxDispatcher dispatcher)
    {
        var claimed = 0;
        int count;
        while ((count = await dispatcher.DispatchOnceAsync("peer", CancellationToken.None)) > 0)
        {
            claimed += count;
        }
        var rows = await _store.Outbox().CountAsync(["peer"]);
        return rows.Single().Pending + rows.Single().Dead == 0 ? claimed : throw new InvalidOperationException("Rows left undelivered");
    }

    public void Dispose()
    {
        _dispatcher.Dispose();
        _dispatcherLiteralRas2.Dispose();
        ((IAsyncDisposable)_store).DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_storeFolder, recursive: true);
        _http.Dispose();
        _services.Dispose();
        _servicesWithoutReads.Dispose();
        _servicesLiteralRas2.Dispose();
        _peer.Dispose();
    }

    private (ServiceProvider, IFhirDeliverer) Create(bool readVersions, FhirCompatibilityMode literalRas2 = FhirCompatibilityMode.Detect)
    {
        var target = new FhirTargetOptions
        {
            Name = "peer", BaseUrl = _peer.BaseUrl, ReadVersionsBeforeWriting = readVersions, Compatibility = new FhirTargetCompatibilityOptions { LiteralRas2 = literalRas2 },
        };
        var services = new ServiceCollection().AddFhirExchange(new ExchangeOptions { Targets = [target] }).BuildServiceProvider();
        services.GetRequiredService<IFhirTargets>().ProbeAsync("peer").GetAwaiter().GetResult();
        return (services, services.GetRequiredService<IFhirDeliverer>());
    }

    private OutboxDispatcher Dispatcher(ServiceProvider services, IFhirDeliverer deliverer) =>
        new(_store, _store.Outbox(), services.GetRequiredService<IFhirTargets>(), deliverer,
            Microsoft.Extensions.Options.Options.Create(new OutboxOptions { BatchSize = _sessions.Count }), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<OutboxDispatcher>.Instance);

    private async Task<byte[]> PostAsync(byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json");
        using var response = await _http.PostAsync(new Uri("", UriKind.Relative), content);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync();
    }

    private IEnumerable<Bundle> Bundles(string mode, string variant = "")
    {
        var round = mode == "New" ? Interlocked.Increment(ref _round) : 0;
        return _sessions.Select(s => StmBundleMapper.ToBundle(s with { SessionId = s.SessionId + variant + (round == 0 ? "" : $"-r{round}") }));
    }
}
