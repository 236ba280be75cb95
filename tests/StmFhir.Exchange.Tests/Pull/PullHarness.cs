using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Core.Validation;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Pull;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Store;
using StmFhir.Exchange.Targets;
using StmFhir.Exchange.Tests.Peer;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Pull;

/// <summary>
/// A local store on a real SQLite file and the exchange services with one target, the test peer, as the gateway and
/// <c>stmfhir pull</c> register them. Dispose and create again on the same folder to restart.
/// </summary>
internal sealed class PullHarness : IAsyncDisposable
{
    public const string Target = "peer";

    /// <summary>The real validation engine with the repository's profiles, built once for every pull test (it takes seconds; it is thread-safe).</summary>
    public static readonly Lazy<IFhirValidator> Engine = new(() => StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = RepoRoot.Combine("profiles") }));

    private readonly ServiceProvider _services;

    public PullHarness(PeerFhirServer peer, string folder, int pageSize = 100)
        : this(peer, new StorageOptions { DataDirectory = folder }, pageSize)
    {
    }

    public PullHarness(PeerFhirServer peer, StorageOptions storage, int pageSize = 100, ConflictPolicy conflictPolicy = ConflictPolicy.Manual)
    {
        Peer = peer;
        Store = ResourceStores.Create(storage, TimeProvider.System);
        var target = new FhirTargetOptions
        {
            Name = Target,
            BaseUrl = peer.BaseUrl,
            Pull = new FhirTargetPullOptions { PageSize = pageSize },
            ConflictPolicy = conflictPolicy,
            Resilience = new FhirTargetResilienceOptions { MaxRetryAttempts = 2, RetryDelay = TimeSpan.FromMilliseconds(20) },
        };
        _services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(Store)
            .AddFhirExchange(new ExchangeOptions { Targets = [target] })
            .AddPullValidation(() => Engine.Value)
            .AddFhirPull()
            .BuildServiceProvider();
    }

    public PeerFhirServer Peer { get; }

    public IResourceStore Store { get; }

    public IOutboxStore Outbox => Store.Outbox();

    public IPullStateStore State => Store.PullState();

    public IFhirPuller Puller => _services.GetRequiredService<IFhirPuller>();

    public IFhirDeliverer Deliverer => _services.GetRequiredService<IFhirDeliverer>();

    public IFhirTargets Targets => _services.GetRequiredService<IFhirTargets>();

    /// <summary>An outbox dispatcher over this store and target, as the gateway runs it (polled by hand).</summary>
    public OutboxDispatcher Dispatcher() => new(Store, Outbox, Targets, Deliverer,
        Microsoft.Extensions.Options.Options.Create(new OutboxOptions()), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<OutboxDispatcher>.Instance);

    public static async Task<PullHarness> StartAsync(PeerFhirServer peer, string folder, int pageSize = 100)
    {
        var harness = new PullHarness(peer, folder, pageSize);
        await harness.Store.InitializeAsync();
        return harness;
    }

    public static async Task<PullHarness> StartAsync(PeerFhirServer peer, StorageOptions storage, ConflictPolicy conflictPolicy = ConflictPolicy.Manual)
    {
        var harness = new PullHarness(peer, storage, conflictPolicy: conflictPolicy);
        await harness.Store.InitializeAsync();
        return harness;
    }

    public Task<PullResult> PullAsync(DateTimeOffset? since = null) => Puller.PullAsync(new PullRequest(Target) { Since = since });

    /// <summary>Pushes a session to the peer as another StmFhir instance would (deterministic ids, people by identifier).</summary>
    public async Task PushToPeerAsync(StmSession session)
    {
        var result = await Deliverer.DeliverAsync(new DeliveryRequest(Target, StmBundleMapper.ToBundle(session)));
        Assert.True(result.Succeeded, result.Failure?.Message);
    }

    /// <summary>
    /// Creates a session at the peer as another system would: every resource POSTed in one transaction, so the peer
    /// assigns every id, and RiskAssessments in the literal ras-2 form, which the peer (as Medplum) requires of
    /// predictions without a probability. Returns the Procedure's id at the peer.
    /// </summary>
    public async Task<string> CreateElsewhereAsync(Bundle sessionBundle)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Transaction };
        foreach (var entry in sessionBundle.Entry)
        {
            var resource = entry.Resource is RiskAssessment
                ? JsonSerializer.Deserialize<Resource>(LiteralRas2Form.Apply(JsonSerializer.SerializeToUtf8Bytes(entry.Resource, FhirJson.Compact)), FhirJson.Compact)!
                : (Resource)entry.Resource!.DeepCopy();
            resource.Id = null;
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = entry.FullUrl,
                Resource = resource,
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.POST, Url = resource.TypeName },
            });
        }
        var response = await PostAsync("", bundle);
        return response.Entry.Select(e => e.Response?.Location ?? "").Single(l => l.StartsWith("Procedure/", StringComparison.Ordinal)).Split('/')[1];
    }

    /// <summary>POSTs FHIR JSON to the peer and reads the answer; fails the test on an error status.</summary>
    public async Task<Bundle> PostAsync(string path, Resource resource)
    {
        using var client = Peer.CreateClient();
        using var content = new StringContent(FhirJson.Serialize(resource), Encoding.UTF8, "application/fhir+json");
        using var response = await client.PostAsync(path, content);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path} answered {(int)response.StatusCode}: {body}");
        return FhirJson.Deserialize<Resource>(body) as Bundle ?? new Bundle();
    }

    /// <summary>PUTs a resource to the peer (a change made there); fails the test on an error status.</summary>
    public async Task PutAsync(Resource resource)
    {
        using var client = Peer.CreateClient();
        using var content = new StringContent(FhirJson.Serialize(resource), Encoding.UTF8, "application/fhir+json");
        using var response = await client.PutAsync($"{resource.TypeName}/{resource.Id}", content);
        Assert.True(response.IsSuccessStatusCode, $"PUT {resource.TypeName}/{resource.Id} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Searches the peer; the matches.</summary>
    public async Task<List<T>> SearchPeerAsync<T>(string query) where T : Resource
    {
        using var client = Peer.CreateClient();
        var bundle = FhirJson.Deserialize<Bundle>(await client.GetStringAsync(query));
        return [.. bundle.Entry.Select(e => e.Resource).OfType<T>()];
    }

    /// <summary>The session as stored locally, read back through the deterministic ids of its forward mapping.</summary>
    public async Task<string?> StoredSessionJsonAsync(StmSession original)
    {
        var resources = new List<Resource>();
        foreach (var entry in StmBundleMapper.ToBundle(original).Entry)
        {
            var id = entry.Resource!.Id ?? entry.FullUrl!["urn:uuid:".Length..];
            if (await Store.ReadAsync(entry.Resource.TypeName, id) is { } stored)
            {
                resources.Add(ResourceJson.Deserialize(stored.Json));
            }
        }
        var read = StmBundleMapper.ToSessions(resources);
        return read.Count == 1 && read[0].IsValid ? StmSessionWriter.Write(read[0].Session!) : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await ((IAsyncDisposable)Store).DisposeAsync();
    }
}
