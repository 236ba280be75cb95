using System.Diagnostics;
using System.Text.Json.Nodes;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Core.Tests.Validation;
using StmFhir.Core.Validation;
using StmFhir.Tests.Shared.Fuzz;
using Xunit.Abstractions;

namespace StmFhir.Core.Tests.Fuzz;

/// <summary>
/// The fuzz cases sent to the engine directly, in-process: FHIR resources and Bundles (JSON and XML) through
/// <see cref="FhirInput.Parse"/> and <see cref="StmValidator.Validate"/>, sessions through <see cref="StmSessionReader"/>,
/// <see cref="StmBundleMapper"/> and validation. Any exception, or a call over its time budget, fails the run; each
/// failure prints its case id (<c>STMFHIR_FUZZ_CASE=seed:index</c> replays it), is saved and, when it is a tree, minimized.
/// </summary>
/// <remarks>
/// A stack overflow cannot be caught and ends the test host: the case being run is always written to
/// <c>current-case.txt</c> in the run's folder before it runs (with two in flight, one of the last two lines),
/// so the last case is there to replay. Long run: <c>STMFHIR_FUZZ_CASES=100000 dotnet test tests/StmFhir.Core.Tests -c Release
/// --filter FullyQualifiedName~EngineFuzzTests</c>, or <c>dotnet run -c Release --project tests/StmFhir.Benchmarks -- fuzz --engine --cases N</c>.
/// </remarks>
[Collection(ValidationCollection.Name)]
public sealed class EngineFuzzTests(ValidationFixture fixture, ITestOutputHelper output)
{
    /// <summary>Cases in CI: about 40 s on a 2-core machine.</summary>
    private const int CiCases = 1500;

    [Fact]
    public void MutatedSamplesAndResources_NeverThrowNorOverrunTheBudget()
    {
        var settings = FuzzSettings.FromEnvironment(CiCases);
        settings = settings with { Kinds = [.. settings.Kinds.Where(k => k != FuzzKinds.Query)] };
        var findings = EngineFuzz.Run(fixture.Engine, settings, output.WriteLine);

        output.WriteLine(findings.Summary);
        Assert.True(findings.Failures.Count == 0, findings.Summary);
    }
}

/// <summary>The engine-level fuzz loop, shared by the test and the on-demand command.</summary>
internal static class EngineFuzz
{
    public sealed record Result(IReadOnlyCollection<FuzzFailure> Failures, string Summary);

    public static Result Run(StmValidator engine, FuzzSettings settings, Action<string> log)
    {
        var findings = new FuzzFindings(settings, "engine");
        Directory.CreateDirectory(findings.Folder);
        var current = Path.Combine(findings.Folder, "current-case.txt");
        log($"engine fuzz: {settings.Cases} cases, seed {settings.Seed}; the cases in progress are the last lines of {current}");
        var clock = Stopwatch.StartNew();
        var gate = new object();
        Parallel.ForEach(settings.CaseIndexes(), new ParallelOptions { MaxDegreeOfParallelism = settings.Parallel }, index =>
        {
            if (findings.Failures.Count >= settings.MaxFailures)
            {
                return;
            }
            var fuzzCase = FuzzCases.Create(settings.Seed, index, settings.Kinds);
            lock (gate)
            {
                File.AppendAllText(current, fuzzCase + Environment.NewLine);
            }
            findings.CountCase();
            findings.CountRequest();
            var body = fuzzCase.Body();
            if (Check(engine, fuzzCase, body, settings.Budget) is not { } signature)
            {
                return;
            }
            var failure = new FuzzFailure(fuzzCase, "engine", signature);
            if (findings.Add(failure, body) && fuzzCase.Document is { } document && !signature.StartsWith("over budget", StringComparison.Ordinal)
                && findings.Failures.Select(f => f.Signature).Distinct().Count() <= settings.MinimizeSignatures)
            {
                var minimized = CaseMinimizer.Minimize(document, d => Check(engine, fuzzCase, fuzzCase.Body(d), settings.Budget) == signature);
                var text = minimized.ToJsonString();
                failure.Minimized = text.Length <= 2000 ? text : $"{text.Length} chars, see the saved file";
                findings.Save(Path.GetFileNameWithoutExtension(failure.SavedAs!) + ".min", "json", fuzzCase.Body(minimized));
            }
            log($"FAIL {failure.Case}: {signature}");
        });
        File.Delete(current);
        findings.Elapsed = clock.Elapsed;
        return new Result(findings.Failures, findings.Summary());
    }

    /// <summary>Null when the engine handled the input; else the failure's signature.</summary>
    public static string? Check(StmValidator engine, FuzzCase fuzzCase, byte[] body, TimeSpan budget)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            if (fuzzCase.Seed.Kind == SeedKind.Session)
            {
                var read = StmSessionReader.Read(body);
                if (read.Session is { } session)
                {
                    engine.Validate(StmBundleMapper.ToBundle(session));
                }
            }
            else if (FhirInput.Parse(body).Resource is { } resource)
            {
                engine.Validate(resource);
            }
        }
        catch (Exception e)
        {
            return CrashSignature.Of(e);
        }
        return clock.Elapsed > budget ? "over budget" : null;
    }
}
