using System.Net.Http.Headers;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Microsoft.Extensions.DependencyInjection;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Exchange.Client;
using StmFhir.Exchange.Delivery;

namespace StmFhir.Benchmarks.Exchange;

/// <summary>
/// Push throughput to the real peer: every sample session (15, 6-19 entries each) through <see cref="IFhirDeliverer"/>
/// against the same Bundles posted straight to the peer with HttpClient, in the same process and against the same peer.
/// The straight post sends each Bundle as one <c>batch</c>: a transaction of more than 8 entries with conditional
/// entries is refused (Medplum's cap), and a batch is the cheapest way to get the same entries applied. It skips what
/// the deliverer adds: reading the versions before writing (to say created, updated or unchanged), rewriting
/// references to the target's ids, all-or-nothing transactions for the clinical resources, the Provenance, and the
/// bookkeeping. Target (issue 5): the deliverer at >= 0.8x the straight post's throughput, i.e. Ratio <= 1.25.
/// The third case turns the version reads off (<see cref="FhirTargetOptions.ReadVersionsBeforeWriting"/>). The second
/// baseline posts the same wire protocol as the deliverer without its bookkeeping: Patient and Practitioner as a batch
/// of conditional creates, then the rest as one transaction of PUTs with the people's references replaced by the ids
/// the batch returned: what a minimal hand-written client that respects the cap would send.
/// The peer runs with validation off: Medplum 4.5.2 refuses StmFhir's screening predictions (ras-2), and validation
/// would only add the same server time to both sides. "New" delivers fresh sessions every time (everything is
/// created); "Repeat" delivers the same sessions again (everything is unchanged).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class PushBenchmarks
{
    private static readonly JsonSerializerOptions s_json = new JsonSerializerOptions().ForFhir(ModelInfo.ModelInspector);

    private PeerProcess _peer = null!;
    private ServiceProvider _services = null!;
    private IFhirDeliverer _deliverer = null!;
    private IFhirDeliverer _delivererWithoutReads = null!;
    private ServiceProvider _servicesWithoutReads = null!;
    private HttpClient _http = null!;
    private List<StmSession> _sessions = [];
    private int _round;

    /// <summary>Fresh sessions each time, or the same ones again.</summary>
    [Params("New", "Repeat")]
    public string Sessions { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _peer = PeerProcess.Start();
        _peer.Configure("""{"validate":false}""");
        _services = new ServiceCollection()
            .AddFhirExchange(new ExchangeOptions { Targets = [new FhirTargetOptions { Name = "peer", BaseUrl = _peer.BaseUrl }] })
            .BuildServiceProvider();
        _deliverer = _services.GetRequiredService<IFhirDeliverer>();
        _services.GetRequiredService<IFhirTargets>().ProbeAsync("peer").GetAwaiter().GetResult();
        _servicesWithoutReads = new ServiceCollection()
            .AddFhirExchange(new ExchangeOptions { Targets = [new FhirTargetOptions { Name = "peer", BaseUrl = _peer.BaseUrl, ReadVersionsBeforeWriting = false }] })
            .BuildServiceProvider();
        _delivererWithoutReads = _servicesWithoutReads.GetRequiredService<IFhirDeliverer>();
        _servicesWithoutReads.GetRequiredService<IFhirTargets>().ProbeAsync("peer").GetAwaiter().GetResult();
        _http = new HttpClient { BaseAddress = _peer.BaseUrl };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/fhir+json"));
        _sessions = [.. Directory.GetFiles(RepoFiles.Samples("sessions"), "*.json").Order(StringComparer.Ordinal)
            .Select(f => StmSessionReader.Read(File.ReadAllBytes(f)).Session ?? throw new InvalidOperationException($"{f} is not a valid session"))];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _http.Dispose();
        _services.Dispose();
        _servicesWithoutReads.Dispose();
        _peer.Dispose();
    }

    [Benchmark(Baseline = true, Description = "Straight POST as batch (HttpClient)")]
    public async Task<int> PostStraight()
    {
        var arrived = 0;
        foreach (var bundle in Bundles())
        {
            bundle.Type = Bundle.BundleType.Batch;
            await PostAsync(JsonSerializer.SerializeToUtf8Bytes(bundle, s_json));
            arrived++;
        }
        return arrived;
    }

    [Benchmark(Description = "Straight POST pre-split: people batch + PUT transaction (HttpClient)")]
    public async Task<int> PostPreSplit()
    {
        var arrived = 0;
        foreach (var bundle in Bundles())
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

    [Benchmark(Description = "IFhirDeliverer (batch with version reads + transactions + Provenance)")]
    public Task<int> Deliver() => DeliverAll(_deliverer);

    [Benchmark(Description = "IFhirDeliverer, ReadVersionsBeforeWriting = false")]
    public Task<int> DeliverWithoutReads() => DeliverAll(_delivererWithoutReads);

    private async Task<int> DeliverAll(IFhirDeliverer deliverer)
    {
        var arrived = 0;
        foreach (var bundle in Bundles())
        {
            var result = await deliverer.DeliverAsync(new DeliveryRequest("peer", bundle));
            arrived += result.Succeeded ? 1 : throw new InvalidOperationException(result.Failure!.Message);
        }
        return arrived;
    }

    private async Task<byte[]> PostAsync(byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/fhir+json");
        using var response = await _http.PostAsync(new Uri("", UriKind.Relative), content);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsByteArrayAsync();
    }

    private IEnumerable<Bundle> Bundles()
    {
        var round = Sessions == "New" ? Interlocked.Increment(ref _round) : 0;
        return _sessions.Select(s => StmBundleMapper.ToBundle(round == 0 ? s : s with { SessionId = $"{s.SessionId}-r{round}" }));
    }
}
