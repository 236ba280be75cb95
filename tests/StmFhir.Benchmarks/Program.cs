using BenchmarkDotNet.Running;
using StmFhir.Benchmarks.Load;

// Benchmarks: dotnet run -c Release --project tests/StmFhir.Benchmarks -- --filter '*'
// Soak (starts the peer and the gateway itself): dotnet run -c Release --project tests/StmFhir.Benchmarks -- soak [sessions]
// Fuzz (starts the gateway itself): dotnet run -c Release --project tests/StmFhir.Benchmarks -- fuzz --cases 100000 [--engine]
// Outcomes ($stm-outcomes against a Patient read, starts the gateway): dotnet run -c Release --project tests/StmFhir.Benchmarks -- outcomes [rounds] [requests] [sessions]
// Load run against a running gateway: dotnet run -c Release --project tests/StmFhir.Benchmarks -- load --url http://127.0.0.1:8080 --key KEY
if (args is ["load", .. var rest])
{
    return await LoadDriver.RunAsync(rest);
}
if (args is ["fuzz", .. var fuzz])
{
    // Issue 12's fuzz harness, long run: fuzz --cases N [--seed S] [--engine] (Fuzz/FuzzCommand.cs).
    return await StmFhir.Benchmarks.Fuzz.FuzzCommand.RunAsync(fuzz);
}
if (args is ["soak", .. var soak])
{
    // Issue 5's soak: peer with 20 % 503s, gateway processes killed twice, drain, verify at the peer (Soak/SoakRun.cs).
    return await StmFhir.Benchmarks.Soak.SoakRun.RunAsync(soak);
}
if (args is ["cold-bare", var file])
{
    // The bare validator's cold path as a process, timed by Validation/cold-start.sh.
    return StmFhir.Benchmarks.Validation.ColdBare.Run(file);
}
if (args is ["throughput", .. var options] && options.All(o => o == "fresh" || int.TryParse(o, out _)))
{
    // Medians of alternating bare/engine rounds, for a machine shared with other builds (Validation/ThroughputProbe.cs).
    var rounds = options.Where(o => o != "fresh").Select(o => int.Parse(o, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(7).First();
    return StmFhir.Benchmarks.Validation.ThroughputProbe.Run(rounds, options.Contains("fresh"));
}
if (args is ["alloc", .. var alloc] && alloc.All(o => o is "fresh" or "types" || int.TryParse(o, out _)))
{
    // Bytes allocated and CPU per validated session Bundle, engine on one thread (Validation/AllocProbe.cs).
    var allocRounds = alloc.Where(o => int.TryParse(o, out _)).Select(o => int.Parse(o, System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(20).First();
    return StmFhir.Benchmarks.Validation.AllocProbe.Run(allocRounds, alloc.Contains("fresh"), alloc.Contains("types"));
}
if (args is ["push", ..] && (args.Length == 1 || int.TryParse(args[1], out _)))
{
    // Medians of alternating straight/deliverer rounds against the peer (Exchange/PushProbe.cs).
    return StmFhir.Benchmarks.Exchange.PushProbe.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 15);
}
if (args is ["pull", .. var pull] && pull.All(o => int.TryParse(o, out _)))
{
    // A pull of the peer's sessions with the validation engine and without, alternating rounds (Exchange/PullProbe.cs).
    var numbers = pull.Select(o => int.Parse(o, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    return StmFhir.Benchmarks.Exchange.PullProbe.Run(numbers.Length > 0 ? numbers[0] : 7, numbers.Length > 1 ? numbers[1] : 4);
}
if (args is ["store", .. var store] && store.All(o => int.TryParse(o, out _)))
{
    // Medians of alternating rounds of the SQLite store's ways of writing, 16 concurrent writers (Storage/StoreProbe.cs).
    var numbers = store.Select(o => int.Parse(o, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    return await StmFhir.Benchmarks.Storage.StoreProbe.RunAsync(numbers.Length > 0 ? numbers[0] : 9, numbers.Length > 1 ? numbers[1] : 300);
}
if (args is ["revinclude", .. var revinclude] && revinclude.All(o => int.TryParse(o, out _)))
{
    // One patient's sessions searched plainly and with _revinclude=Observation:part-of, alternating (Search/RevIncludeProbe.cs).
    var numbers = revinclude.Select(o => int.Parse(o, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    return await StmFhir.Benchmarks.Search.RevIncludeProbe.RunAsync(numbers.Length > 0 ? numbers[0] : 7, numbers.Length > 1 ? numbers[1] : 50);
}
if (args is ["outcomes", .. var outcomes] && outcomes.All(o => int.TryParse(o, out _)))
{
    // $stm-outcomes of a 100-session patient against a plain Patient read, alternating rounds (Outcomes/OutcomesProbe.cs).
    var numbers = outcomes.Select(o => int.Parse(o, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    return await StmFhir.Benchmarks.Outcomes.OutcomesProbe.RunAsync(numbers.Length > 0 ? numbers[0] : 7, numbers.Length > 1 ? numbers[1] : 50,
        numbers.Length > 2 ? numbers[2] : 100);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
