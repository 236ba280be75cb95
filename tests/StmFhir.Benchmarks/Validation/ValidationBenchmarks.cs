using System.Collections.Concurrent;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Engine;

namespace StmFhir.Benchmarks.Validation;

/// <summary>
/// Two jobs: the runtime's default GC for a console app (workstation, the bare validator as usually run) and Server GC
/// (one heap per core, what the engine's hosts use; workstation GC serialises this allocation-heavy work). Compare
/// the bare validator in the first with the engine in the second.
/// </summary>
public sealed class ValidationConfig : ManualConfig
{
    public ValidationConfig()
    {
        var job = Job.Default.WithWarmupCount(3).WithIterationCount(15).WithLaunchCount(1);
        AddJob(job.WithGcServer(false).WithId("WorkstationGC"));
        AddJob(job.WithGcServer(true).WithId("ServerGC"));
        // Other builds share the machine: medians and minimums resist their bursts better than means.
        AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        WithOption(ConfigOptions.JoinSummary, true);
    }
}

/// <summary>
/// Validating every sample session Bundle (one invocation = all of them): the bare Firely validator (one thread,
/// cached resolver over the same sources, the baseline) against the StmFhir engine on one thread and on all cores.
/// Target (issue 3): the engine at least 3x the baseline's throughput. Both are warmed up before measuring.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ValidationConfig))]
public class BundleValidationBenchmarks
{
    /// <summary>One validating thread per core: more only adds threads blocked inside Firely.</summary>
    internal static readonly ParallelOptions AllCores = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    private IReadOnlyList<Bundle> _bundles = [];
    private IReadOnlyList<Bundle> _fresh = [];
    private readonly FreshSessions _freshSessions = new();
    private BareFirelyValidator _bare = null!;
    private StmValidator _engine = null!;
    private StmValidator _firelyOnly = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bundles = ValidationInputs.SessionBundles();
        _firelyOnly = StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = ValidationInputs.Profiles, FastPath = false });
        EngineFastPathOff();
        _bare = new BareFirelyValidator(ValidationInputs.Profiles, new StmValidatorOptions().SpecificationZip,
            Path.Combine(StmValidatorOptions.DefaultCacheDirectory, "bench-bare-extract"));
        _engine = StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = ValidationInputs.Profiles });
        Bare();
        EngineOneThread();
        EngineAllCores();
    }

    [Benchmark(Baseline = true, Description = "Bare Firely validator, 1 thread")]
    public int Bare()
    {
        var issues = 0;
        foreach (var bundle in _bundles)
        {
            issues += _bare.ValidateRaw(bundle).Issue.Count;
        }
        return issues;
    }

    [Benchmark(Description = "StmFhir engine, 1 thread")]
    public int EngineOneThread()
    {
        var issues = 0;
        foreach (var bundle in _bundles)
        {
            issues += _engine.Validate(bundle).Issues.Count;
        }
        return issues;
    }

    [Benchmark(Description = "StmFhir engine, all cores")]
    public int EngineAllCores()
    {
        var issues = 0;
        Parallel.ForEach(Partitioner.Create(_bundles, EnumerablePartitionerOptions.NoBuffering), AllCores, bundle => Interlocked.Add(ref issues, _engine.Validate(bundle).Issues.Count));
        return issues;
    }

    [Benchmark(Description = "StmFhir engine, 1 thread, fast path off")]
    public int EngineFastPathOff() => _bundles.Sum(b => _firelyOnly.Validate(b).Issues.Count);

    /// <summary>Sessions no validator has seen (new ids, identifiers, times): the fast path gains only from values that repeat.</summary>
    [IterationSetup(Targets = [nameof(BareNewSessions), nameof(EngineNewSessions)])]
    public void NewSessions() => _fresh = _freshSessions.NextRound();

    [Benchmark(Description = "Bare Firely validator, 1 thread, new sessions")]
    public int BareNewSessions() => _fresh.Sum(b => _bare.ValidateRaw(b).Issue.Count);

    [Benchmark(Description = "StmFhir engine, 1 thread, new sessions")]
    public int EngineNewSessions() => _fresh.Sum(b => _engine.Validate(b).Issues.Count);
}

/// <summary>The same comparison on the profiled Procedures of the samples, validated one by one (no Bundle around them).</summary>
[MemoryDiagnoser]
[Config(typeof(ValidationConfig))]
public class ProcedureValidationBenchmarks
{
    private IReadOnlyList<Procedure> _procedures = [];
    private BareFirelyValidator _bare = null!;
    private StmValidator _engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        _procedures = ValidationInputs.ProfiledProcedures(ValidationInputs.SessionBundles());
        _bare = new BareFirelyValidator(ValidationInputs.Profiles, new StmValidatorOptions().SpecificationZip,
            Path.Combine(StmValidatorOptions.DefaultCacheDirectory, "bench-bare-extract"));
        _engine = StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = ValidationInputs.Profiles });
        Bare();
        EngineOneThread();
        EngineAllCores();
    }

    [Benchmark(Baseline = true, Description = "Bare Firely validator, 1 thread")]
    public int Bare() => _procedures.Sum(p => _bare.ValidateRaw(p).Issue.Count);

    [Benchmark(Description = "StmFhir engine, 1 thread")]
    public int EngineOneThread() => _procedures.Sum(p => _engine.Validate(p).Issues.Count);

    [Benchmark(Description = "StmFhir engine, all cores")]
    public int EngineAllCores()
    {
        var issues = 0;
        Parallel.ForEach(Partitioner.Create(_procedures, EnumerablePartitionerOptions.NoBuffering), BundleValidationBenchmarks.AllCores, procedure => Interlocked.Add(ref issues, _engine.Validate(procedure).Issues.Count));
        return issues;
    }
}
