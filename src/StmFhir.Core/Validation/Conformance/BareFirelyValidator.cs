using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;

namespace StmFhir.Core.Validation.Conformance;

/// <summary>
/// The Firely validator as the SDK documents it, with none of the engine's machinery: the reference the engine's
/// verdicts are compared with, and the baseline of the benchmarks. Same settings as the engine (<see cref="FirelySettings"/>);
/// resolver chain <c>CachedResolver(SnapshotSource(CachedResolver(MultiResolver(DirectorySource(profiles), ZipSource(specification.zip)))))</c>.
/// Not thread-safe; one per thread.
/// </summary>
internal sealed class BareFirelyValidator
{
    private readonly Validator _validator;

    public BareFirelyValidator(string? profilesDirectory, string specificationZip, string extractionFolder)
    {
        var sources = new MultiResolver();
        if (profilesDirectory is not null)
        {
            sources.AddSource(new DirectorySource(profilesDirectory, new DirectorySourceSettings { IncludeSubDirectories = true }));
        }
        sources.AddSource(new ZipSource(specificationZip, extractionFolder));
        var resolver = new CachedResolver(new SnapshotSource(new CachedResolver(sources)));
        _validator = new Validator(resolver, new LocalTerminologyService(resolver, FirelySettings.ExpanderSettings()), null, FirelySettings.Create());
    }

    /// <summary>The Firely issues, mapped as the engine maps them (same codes and expressions).</summary>
    public IReadOnlyList<ValidationIssue> Validate(Resource resource, string? profile = null) =>
        [.. FirelyIssues.From(_validator.Validate(resource, profile), resource)];

    /// <summary>The raw OperationOutcome, for benchmarks.</summary>
    public OperationOutcome ValidateRaw(Resource resource) => _validator.Validate(resource);
}
