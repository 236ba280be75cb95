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
    /// <summary>Cases in CI: about a minute on a 2-core machine (long lists and MB strings dominate).</summary>
    private const int CiCases = 500;

    [Fact]
    public void MutatedSamplesAndResources_NeverThrowNorOverrunTheBudget()
    {
        var settings = FuzzSettings.FromEnvironment(CiCases);
        settings = settings with { Kinds = [.. settings.Kinds.Where(k => k != FuzzKinds.Query)] };
        var findings = EngineFuzz.Run(fixture.BudgetedEngine, settings, output.WriteLine);

        output.WriteLine(findings.Summary);
        Assert.True(findings.Failures.Count == 0, findings.Summary);
    }
}
