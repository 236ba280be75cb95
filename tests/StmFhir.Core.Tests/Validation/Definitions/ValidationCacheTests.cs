using Hl7.Fhir.Model;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Definitions;

namespace StmFhir.Core.Tests.Validation.Definitions;

/// <summary>What the engine keeps between processes is keyed by its inputs: a changed profile is never answered from the cache.</summary>
public sealed class ValidationCacheTests : IDisposable
{
    private readonly string _profiles = Directory.CreateTempSubdirectory("stmfhir-profiles-").FullName;

    public ValidationCacheTests()
    {
        foreach (var file in Directory.EnumerateFiles(ValidationFixture.ProfilesDirectory))
        {
            File.Copy(file, Path.Combine(_profiles, Path.GetFileName(file)));
        }
    }

    public void Dispose() => Directory.Delete(_profiles, recursive: true);

    [Fact]
    public void ChangedProfileGetsANewCacheEntryAndANewVerdict()
    {
        var patient = new Patient
        {
            Meta = new Meta { Profile = ["http://stmfhir.org/fhir/StructureDefinition/stm-patient"] },
            Identifier = [new Identifier("https://example-hospital.org/mrn", "MRN-1")],
            Name = [new HumanName { Family = "Sato" }],
            Gender = AdministrativeGender.Male,
        };
        var keyBefore = ProfilesKey();
        var before = StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = _profiles }).Validate(patient);
        Assert.Contains(before.Errors, i => i.Message.Contains("birthDate", StringComparison.Ordinal));

        // The profile no longer requires a birth date.
        var sdFile = Path.Combine(_profiles, "StructureDefinition-stm-patient.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(sdFile))!;
        var elements = json["differential"]!["element"]!.AsArray();
        elements.Remove(elements.Single(e => (string?)e!["path"] == "Patient.birthDate"));
        File.WriteAllText(sdFile, json.ToJsonString());

        var keyAfter = ProfilesKey();
        var after = StmValidator.Create(new StmValidatorOptions { ProfilesDirectory = _profiles }).Validate(patient);
        Assert.NotEqual(keyBefore, keyAfter);
        Assert.True(Directory.Exists(Path.Combine(StmValidatorOptions.DefaultCacheDirectory, "profiles-" + keyAfter)));
        Assert.True(after.IsValid, string.Join("\n", after.Errors.Select(e => e.Message)));
    }

    [Fact]
    public void KeyDependsOnContentNotOnWhereTheFolderIs()
    {
        var original = ProfileSet.CacheKey(ValidationFixture.ProfilesDirectory, ProfileSet.FilesOf(ValidationFixture.ProfilesDirectory));
        Assert.Equal(original, ProfilesKey());
        File.AppendAllText(Path.Combine(_profiles, "ValueSet-stm-pressure.json"), " ");
        Assert.NotEqual(original, ProfilesKey());
    }

    [Fact]
    public void ProfilesKeyChangesWhenTheWaySnapshotsAreMadeChanges()
    {
        // Snapshots made by older code (before extension slices were expanded) must not be read back.
        var files = ProfileSet.FilesOf(_profiles);
        Assert.NotEqual(ValidationCache.Key(_profiles, files), ProfileSet.CacheKey(_profiles, files));
        Assert.NotEqual(ValidationCache.Key(_profiles, files, "snapshots-1"), ProfileSet.CacheKey(_profiles, files));
    }

    [Fact]
    public void AnIncompleteCacheEntryIsReplaced()
    {
        var cache = Directory.CreateTempSubdirectory("stmfhir-cache-").FullName;
        try
        {
            var target = Path.Combine(cache, "entry");
            Directory.CreateDirectory(target);
            File.WriteAllText(Path.Combine(target, "half-written.json"), "{");
            Assert.True(ValidationCache.TryPublish(target, staging => File.WriteAllText(Path.Combine(staging, "done"), ""), f => File.Exists(Path.Combine(f, "done"))));
            Assert.True(File.Exists(Path.Combine(target, "done")));
            Assert.False(File.Exists(Path.Combine(target, "half-written.json")));
        }
        finally
        {
            Directory.Delete(cache, recursive: true);
        }
    }

    private string ProfilesKey() => ProfileSet.CacheKey(_profiles, ProfileSet.FilesOf(_profiles));
}
