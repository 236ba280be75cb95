using System.Diagnostics;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Core.Validation;

namespace StmFhir.Tests.Shared.Fuzz;

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
