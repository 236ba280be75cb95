using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Engine;

namespace StmFhir.Benchmarks.Validation;

/// <summary>
/// The cold path of the bare Firely validator as a whole process, for cold-start.sh to time against
/// <c>stmfhir validate</c>: build the documented resolver chain, read one file, validate it, exit.
/// </summary>
internal static class ColdBare
{
    public static int Run(string file)
    {
        var bare = new BareFirelyValidator(ValidationInputs.Profiles, new StmValidatorOptions().SpecificationZip,
            Path.Combine(StmValidatorOptions.DefaultCacheDirectory, "cold-bare-extract"));
        var parsed = FhirInput.Parse(File.ReadAllBytes(file));
        var issues = bare.Validate(parsed.Resource!);
        Console.WriteLine($"{file}: {issues.Count(i => i.IsError)} errors, {issues.Count} issues");
        return issues.Any(i => i.IsError) ? 1 : 0;
    }
}
