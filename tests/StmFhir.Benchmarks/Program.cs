using BenchmarkDotNet.Running;

// Run with: dotnet run -c Release --project tests/StmFhir.Benchmarks -- --filter '*'
if (args is ["cold-bare", var file])
{
    // The bare validator's cold path as a process, timed by Validation/cold-start.sh.
    return StmFhir.Benchmarks.Validation.ColdBare.Run(file);
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
