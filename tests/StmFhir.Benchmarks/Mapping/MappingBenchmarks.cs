using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;

namespace StmFhir.Benchmarks.Mapping;

/// <summary>
/// Mapping cost against the cost of merely parsing the same session bytes with System.Text.Json (the baseline).
/// Target (issue 2): reading + mapping a session costs at most 5x the raw parse.
/// </summary>
[MemoryDiagnoser]
public class MappingBenchmarks
{
    private byte[] _sessionJson = [];
    private StmSession _session = null!;
    private Bundle _bundle = null!;

    /// <summary>The sample session to measure (the richest samples: many measurements and a screening).</summary>
    [Params("01-lateral-epicondylitis-iastm.json")]
    public string Sample { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var path = RepoFiles.Samples("sessions", Sample);
        if (!File.Exists(path))
        {
            path = Directory.GetFiles(RepoFiles.Samples("sessions"), "*.json").OrderByDescending(f => new FileInfo(f).Length).First();
        }
        _sessionJson = File.ReadAllBytes(path);
        _session = StmSessionReader.Read(_sessionJson).Session ?? throw new InvalidOperationException($"{path} is not a valid session");
        _bundle = StmBundleMapper.ToBundle(_session);
    }

    [Benchmark(Baseline = true, Description = "Raw JSON parse (System.Text.Json)")]
    public int ParseRaw()
    {
        using var document = JsonDocument.Parse(_sessionJson);
        return document.RootElement.GetPropertyCount();
    }

    [Benchmark(Description = "Read session (all checks)")]
    public StmSession? ReadSession() => StmSessionReader.Read(_sessionJson).Session;

    [Benchmark(Description = "Session -> Bundle")]
    public Bundle SessionToBundle() => StmBundleMapper.ToBundle(_session);

    [Benchmark(Description = "Read + session -> Bundle")]
    public Bundle ReadAndMap() => StmBundleMapper.ToBundle(StmSessionReader.Read(_sessionJson).Session!);

    [Benchmark(Description = "Bundle -> session")]
    public StmSession? BundleToSession() => StmBundleMapper.ToSession(_bundle).Session;
}
