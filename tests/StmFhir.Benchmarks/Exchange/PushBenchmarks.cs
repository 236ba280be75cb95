using BenchmarkDotNet.Attributes;

namespace StmFhir.Benchmarks.Exchange;

/// <summary>
/// Push throughput to the real peer: every sample session (15, 6-19 entries each) through the deliverer against the
/// same Bundles posted straight to the peer with HttpClient, in the same process and against the same peer
/// (<see cref="PushSetup"/> says what each case sends). Target (issue 5): the deliverer at >= 0.8x the straight
/// post's throughput, i.e. Ratio &lt;= 1.25. On a machine shared with other builds prefer the alternating rounds of
/// <see cref="PushProbe"/> (<c>-- push</c>).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[SimpleJob(warmupCount: 3, iterationCount: 15)]
public class PushBenchmarks
{
    private PushSetup _setup = null!;

    /// <summary>Fresh sessions each time, or the same ones again.</summary>
    [Params("New", "Repeat")]
    public string Sessions { get; set; } = "";

    [GlobalSetup]
    public void Setup() => _setup = new PushSetup();

    [GlobalCleanup]
    public void Cleanup() => _setup.Dispose();

    [Benchmark(Baseline = true, Description = "Straight POST as batch (HttpClient)")]
    public Task<int> PostStraight() => _setup.PostStraightAsync(Sessions);

    [Benchmark(Description = "Straight POST pre-split: people batch + PUT transaction (HttpClient)")]
    public Task<int> PostPreSplit() => _setup.PostPreSplitAsync(Sessions);

    [Benchmark(Description = "IFhirDeliverer (default)")]
    public Task<int> Deliver() => _setup.DeliverAllAsync(_setup.Deliverer, Sessions);

    [Benchmark(Description = "IFhirDeliverer, ReadVersionsBeforeWriting = false")]
    public Task<int> DeliverWithoutReads() => _setup.DeliverAllAsync(_setup.DelivererWithoutReads, Sessions);

    [Benchmark(Description = "IFhirDeliverer, NewAtTarget (New only)")]
    public Task<int> DeliverNewAtTarget() => _setup.DeliverAllAsync(_setup.Deliverer, Sessions, newAtTarget: true);

    [Benchmark(Description = "IFhirDeliverer, Compatibility:LiteralRas2 = On")]
    public Task<int> DeliverLiteralRas2() => _setup.DeliverAllAsync(_setup.DelivererLiteralRas2, Sessions);

    [Benchmark(Description = "IFhirDeliverer.DeliverAllAsync, 15 Bundles per call")]
    public Task<int> DeliverGroup() => _setup.DeliverGroupAsync(_setup.Deliverer, Sessions);
}
