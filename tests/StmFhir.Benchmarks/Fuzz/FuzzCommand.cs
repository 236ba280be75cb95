using System.Globalization;
using StmFhir.Core.Validation;
using StmFhir.Tests.Shared;
using StmFhir.Tests.Shared.Fuzz;

namespace StmFhir.Benchmarks.Fuzz;

/// <summary>
/// The long fuzz run on demand: <c>dotnet run -c Release --project tests/StmFhir.Benchmarks -- fuzz [--cases N] [--seed S]
/// [--case seed:index] [--kinds a,b] [--budget SECONDS] [--parallel P] [--max-failures F] [--max-restarts R] [--minimize SIGNATURES] [--engine]</c>. Without <c>--engine</c> it starts
/// the built gateway (src/StmFhir.Gateway/bin/Release) as a process on a temp SQLite folder and sends every case over
/// HTTP; with it, the cases go to the validation engine in this process. Exit code 1 when anything failed.
/// </summary>
internal static class FuzzCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var settings = FuzzSettings.FromEnvironment(defaultCases: 2000);
        var engine = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--engine")
            {
                engine = true;
                continue;
            }
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            settings = args[i] switch
            {
                "--cases" => settings with { Cases = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--seed" => settings with { Seed = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--case" => Next().Split(':') is [var seed, var index]
                    ? settings with { Seed = int.Parse(seed, CultureInfo.InvariantCulture), OnlyCase = int.Parse(index, CultureInfo.InvariantCulture) }
                    : throw new ArgumentException("--case takes seed:index"),
                "--kinds" => settings with { Kinds = FuzzKinds.Parse(Next()) },
                "--budget" => settings with { Budget = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)) },
                "--parallel" => settings with { Parallel = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--max-failures" => settings with { MaxFailures = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--max-restarts" => settings with { MaxRestarts = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--minimize" => settings with { MinimizeSignatures = int.Parse(Next(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"Unknown option {args[i]}; see tests/StmFhir.Benchmarks/Fuzz/FuzzCommand.cs"),
            };
        }
        if (engine)
        {
            var validator = StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = RepoRoot.Combine("profiles"), TimeBudget = FuzzSettings.EngineTimeBudget });
            var result = EngineFuzz.Run(validator, settings with { Kinds = [.. settings.Kinds.Where(k => k != FuzzKinds.Query)] }, Console.WriteLine);
            Console.WriteLine(result.Summary);
            return result.Failures.Count == 0 ? 0 : 1;
        }
        var folder = Path.Combine(Path.GetTempPath(), "stmfhir-fuzz-run-" + Guid.NewGuid().ToString("N"));
        const string key = "fuzz-command-key-000001";
        await using var gateway = new GatewayProcess(GatewayProcess.BuiltGatewayDll(), folder, new Dictionary<string, string>
        {
            ["STMFHIR_DATA_DIR"] = Path.Combine(folder, "data"),
            ["Authentication__ApiKeys__0__Name"] = "fuzz",
            ["Authentication__ApiKeys__0__Key"] = key,
            ["Fhir__ValidationWarmUp"] = "00:00:00",
            [FuzzSettings.ValidationTimeBudgetVariable] = FuzzSettings.ValidationTimeBudget,
        });
        await gateway.StartAsync(TimeSpan.FromSeconds(120));
        var findings = await new HttpFuzzRunner(gateway, key, settings, Console.WriteLine).RunAsync();
        Console.WriteLine(findings.Summary());
        var tooMuchMemory = findings.PeakRssBytes > settings.MaxRssBytes;
        if (tooMuchMemory)
        {
            Console.WriteLine($"peak RSS {findings.PeakRssBytes / (1024 * 1024)} MB is over {settings.MaxRssBytes / (1024 * 1024)} MB");
        }
        return findings.Failures.Count == 0 && !tooMuchMemory ? 0 : 1;
    }
}
