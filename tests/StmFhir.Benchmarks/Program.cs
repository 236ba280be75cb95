using BenchmarkDotNet.Running;
using StmFhir.Benchmarks.Load;

// Benchmarks: dotnet run -c Release --project tests/StmFhir.Benchmarks -- --filter '*'
// Load run against a running gateway: dotnet run -c Release --project tests/StmFhir.Benchmarks -- load --url http://127.0.0.1:8080 --key KEY
if (args is ["load", .. var rest])
{
    return await LoadDriver.RunAsync(rest);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
