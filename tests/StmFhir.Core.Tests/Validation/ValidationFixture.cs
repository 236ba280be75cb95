using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Engine;

namespace StmFhir.Core.Tests.Validation;

/// <summary>One engine (and one bare Firely validator) for all validation tests: building them is the slow part.</summary>
public sealed class ValidationFixture
{
    private readonly Lazy<BareFirelyValidator> _bare = new(() => new BareFirelyValidator(
        ProfilesDirectory, DefaultSpecificationZip, Path.Combine(StmValidatorOptions.DefaultCacheDirectory, "test-bare-extract")));

    private readonly Lazy<StmValidator> _budgeted = new(() => StmValidator.Create(
        new StmValidatorOptions { ProfilesDirectory = ProfilesDirectory, TimeBudget = StmFhir.Tests.Shared.Fuzz.FuzzSettings.EngineTimeBudget }));

    private readonly Lazy<StmValidator> _firelyOnly = new(() => StmValidator.Create(
        new StmValidatorOptions { ProfilesDirectory = ProfilesDirectory, FastPath = false }));

    public ValidationFixture()
    {
        Engine = StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = ProfilesDirectory });
    }

    public static string ProfilesDirectory => Path.Combine(RepoPaths.Root, "profiles");

    public static string DefaultSpecificationZip => new StmValidatorOptions().SpecificationZip;

    public StmValidator Engine { get; }

    /// <summary>The engine with a time budget per validation, as the gateway runs it (the fuzz runs' budget).</summary>
    public StmValidator BudgetedEngine => _budgeted.Value;

    /// <summary>The engine with its fast path off: every element walked by Firely, every time.</summary>
    public StmValidator FirelyOnlyEngine => _firelyOnly.Value;

    /// <summary>Firely as documented, no caching machinery; not thread-safe (tests using it are in one collection).</summary>
    internal BareFirelyValidator Bare => _bare.Value;
}

[CollectionDefinition(Name)]
public sealed class ValidationCollection : ICollectionFixture<ValidationFixture>
{
    public const string Name = "validation";
}

/// <summary>The repository's samples as validation inputs.</summary>
internal static class ValidationSamples
{
    /// <summary>Session Bundles: samples/bundles/*.json, and samples/sessions/*.json mapped by the mapper.</summary>
    public static IReadOnlyList<string> SessionBundleNames =>
        [.. Files("bundles", "*.json").Select(f => "bundles/" + Path.GetFileName(f)),
         .. Files("sessions", "*.json").Select(f => "sessions/" + Path.GetFileName(f))];

    public static Bundle SessionBundle(string name)
    {
        var path = RepoPaths.Samples(name.Split('/'));
        if (name.StartsWith("bundles/", StringComparison.Ordinal))
        {
            return FhirJson.Deserialize<Bundle>(File.ReadAllText(path));
        }
        var read = StmSessionReader.Read(File.ReadAllBytes(path));
        Assert.True(read.IsValid, string.Join("; ", read.Problems));
        return StmBundleMapper.ToBundle(read.Session!);
    }

    /// <summary>samples/invalid inputs (not the .expected.json files beside them).</summary>
    public static IReadOnlyList<string> InvalidNames =>
        [.. Files("invalid", "*.*")
            .Where(f => !f.EndsWith(".expected.json", StringComparison.Ordinal) && (f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".xml", StringComparison.Ordinal)))
            .Select(Path.GetFileName)
            .OfType<string>()];

    public static ParsedInput Invalid(string name) => FhirInput.Parse(File.ReadAllBytes(RepoPaths.Samples("invalid", name)));

    public static TheoryData<string> AsTheoryData(IEnumerable<string> names)
    {
        var data = new TheoryData<string>();
        foreach (var name in names)
        {
            data.Add(name);
        }
        return data;
    }

    private static IEnumerable<string> Files(string folder, string pattern)
    {
        var path = RepoPaths.Samples(folder);
        return Directory.Exists(path) ? Directory.EnumerateFiles(path, pattern).Order(StringComparer.Ordinal) : [];
    }
}
