using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;

namespace StmFhir.Core.Validation.Engine;

/// <summary>
/// The Firely validator as the SDK documents it, with none of the engine's machinery: the reference the engine's
/// verdicts are compared with, and the baseline of the benchmarks. Same settings as the engine (<see cref="FirelySettings"/>);
/// resolver chain <c>CachedResolver(MultiResolver(profiles via SnapshotSource, ZipSource(specification.zip)))</c>.
/// Not thread-safe; one per thread.
/// </summary>
/// <remarks>
/// Only the profiles go through <see cref="SnapshotSource"/> (they are differentials). Core definitions must not:
/// measured with SDK 6.8.0 / validator 3.6.0, a SnapshotSource in front of specification.zip defeats the validator's
/// own correction of core invariant ref-1, so every logical reference (identifier, no reference) fails ref-1 — the
/// chain <c>CachedResolver(SnapshotSource(CachedResolver(MultiResolver(DirectorySource, ZipSource))))</c> gives that wrong verdict.
/// </remarks>
internal sealed class BareFirelyValidator
{
    private readonly Validator _validator;

    public BareFirelyValidator(string? profilesDirectory, string specificationZip, string extractionFolder)
    {
        var core = new ZipSource(specificationZip, extractionFolder);
        var sources = new MultiResolver();
        if (profilesDirectory is not null)
        {
            var profiles = new DirectorySource(profilesDirectory, new DirectorySourceSettings { IncludeSubDirectories = true });
            sources.AddSource(new ProfilesOnly(profiles, new SnapshotSource(new CachedResolver(new MultiResolver(profiles, core)))));
        }
        sources.AddSource(core);
        var resolver = new CachedResolver(sources);
        _validator = new Validator(resolver, new LocalTerminologyService(resolver, FirelySettings.ExpanderSettings()), null, FirelySettings.Create());
    }

    /// <summary>The Firely issues, mapped as the engine maps them (same codes and expressions).</summary>
    public IReadOnlyList<ValidationIssue> Validate(Resource resource, string? profile = null) =>
        [.. FirelyIssues.From(_validator.Validate(resource, profile), resource)];

    /// <summary>Answers only for what the profiles folder defines, with the snapshot-generating source.</summary>
    private sealed class ProfilesOnly(DirectorySource profiles, SnapshotSource withSnapshots) : IResourceResolver
    {
        public Resource? ResolveByCanonicalUri(string uri) =>
            profiles.TryResolveByCanonicalUri(uri).Success ? withSnapshots.TryResolveByCanonicalUriAsync(uri).GetAwaiter().GetResult().Value : null;

        public Resource? ResolveByUri(string uri) =>
            profiles.TryResolveByUri(uri).Success ? withSnapshots.TryResolveByUriAsync(uri).GetAwaiter().GetResult().Value : null;
    }

    /// <summary>The raw OperationOutcome, for benchmarks.</summary>
    public OperationOutcome ValidateRaw(Resource resource) => _validator.Validate(resource);
}
