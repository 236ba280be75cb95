using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using StmFhir.Core.Terminology;

namespace StmFhir.Core.Tests.Profiles;

/// <summary>profiles/ is a FHIR NPM package that servers (HAPI, Firely Server, Medplum) can load as it is.</summary>
public sealed class ProfilePackageTests
{
    public static TheoryData<string> AllFiles => ProfilesFolder.FileNamesWhere(_ => true);

    [Theory]
    [MemberData(nameof(AllFiles))]
    public void EveryFileParsesAsAFhirR4Resource(string fileName)
    {
        var resource = ProfilesFolder.Parse(fileName);

        Assert.NotNull(resource);
    }

    [Fact]
    public void EveryFileIsNamedByResourceTypeAndId()
    {
        var misnamed = ProfilesFolder.Files
            .Where(f => f.FileName != $"{f.Resource.TypeName}-{f.Resource.Id}.json")
            .Select(f => $"{f.FileName} holds {f.Resource.TypeName}/{f.Resource.Id}");

        Assert.Empty(misnamed);
    }

    [Fact]
    public void EveryCanonicalUrlSitsUnderTheStmFhirBaseAndEndsInTypeAndId()
    {
        var wrong = ProfilesFolder.Files
            .Select(f => (f.FileName, Resource: (IVersionableConformanceResource)f.Resource))
            .Where(f => f.Resource.Url != $"{StmCanonical.Base}/{((Resource)f.Resource).TypeName}/{((Resource)f.Resource).Id}")
            .Select(f => $"{f.FileName}: {f.Resource.Url}");

        Assert.Empty(wrong);
    }

    [Fact]
    public void EveryArtefactHasTheSameVersionAsThePackage()
    {
        var version = PackageJson().GetProperty("version").GetString();

        var wrong = ProfilesFolder.Files
            .Where(f => ((IVersionableConformanceResource)f.Resource).Version != version)
            .Select(f => f.FileName);

        Assert.Empty(wrong);
    }

    [Fact]
    public void EveryStructureDefinitionHasADescriptionAndAPurpose()
    {
        var bare = ProfilesFolder.All<StructureDefinition>()
            .Where(sd => string.IsNullOrWhiteSpace(sd.Description) || string.IsNullOrWhiteSpace(sd.Purpose))
            .Select(sd => sd.Id);

        Assert.Empty(bare);
    }

    [Fact]
    public void EveryStructureDefinitionIsAnActiveR4DifferentialConstraint()
    {
        foreach (var sd in ProfilesFolder.All<StructureDefinition>())
        {
            Assert.Equal(PublicationStatus.Active, sd.Status);
            Assert.Equal(FHIRVersion.N4_0_1, sd.FhirVersion);
            Assert.Equal(StructureDefinition.TypeDerivationRule.Constraint, sd.Derivation);
            Assert.False(sd.Abstract);
            Assert.Null(sd.Snapshot);
            Assert.NotEmpty(sd.Differential!.Element);
            Assert.Equal($"http://hl7.org/fhir/StructureDefinition/{sd.Type}", sd.BaseDefinition);
        }
    }

    [Fact]
    public void EveryExtensionSaysWhereItMayBeUsed()
    {
        var contextless = ProfilesFolder.All<StructureDefinition>()
            .Where(sd => sd.Type == "Extension" && sd.Context.Count == 0)
            .Select(sd => sd.Id);

        Assert.Empty(contextless);
    }

    [Fact]
    public void EveryCanonicalInStmCanonicalHasAnArtefact()
    {
        var urls = ProfilesFolder.Files.Select(f => ((IVersionableConformanceResource)f.Resource).Url).ToHashSet();

        var missing = ConstantsOf(typeof(StmCanonical.Profiles))
            .Concat(ConstantsOf(typeof(StmCanonical.Extensions)))
            .Concat(ConstantsOf(typeof(StmCanonical.CodeSystems)))
            .Where(url => url.StartsWith(StmCanonical.Base, StringComparison.Ordinal) && !urls.Contains(url));

        Assert.Empty(missing);
    }

    [Fact]
    public void TheImplementationGuideListsEveryOtherArtefact()
    {
        var ig = Assert.Single(ProfilesFolder.All<ImplementationGuide>());
        var listed = ig.Definition!.Resource.Select(r => r.Reference!.Reference).Order(StringComparer.Ordinal);
        var expected = ProfilesFolder.Files
            .Where(f => f.Resource is not ImplementationGuide)
            .Select(f => $"{f.Resource.TypeName}/{f.Resource.Id}")
            .Order(StringComparer.Ordinal);

        Assert.Equal(expected, listed);
        Assert.Equal("stmfhir.profiles", ig.PackageId);
        Assert.Equal([FHIRVersion.N4_0_1], ig.FhirVersion);
    }

    [Fact]
    public void TheIndexListsEveryResourceFileWithItsCanonicalAndVersion()
    {
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(ProfilesFolder.Path, ".index.json")));
        var entries = index.RootElement.GetProperty("files").EnumerateArray()
            .Select(e => (
                File: e.GetProperty("filename").GetString(),
                Type: e.GetProperty("resourceType").GetString(),
                Id: e.GetProperty("id").GetString(),
                Url: e.GetProperty("url").GetString(),
                Version: e.GetProperty("version").GetString()))
            .OrderBy(e => e.File, StringComparer.Ordinal);
        var expected = ProfilesFolder.Files.Select(f => (
                File: (string?)f.FileName,
                Type: (string?)f.Resource.TypeName,
                Id: (string?)f.Resource.Id,
                Url: (string?)((IVersionableConformanceResource)f.Resource).Url,
                Version: (string?)((IVersionableConformanceResource)f.Resource).Version))
            .OrderBy(e => e.File, StringComparer.Ordinal);

        Assert.Equal(1, index.RootElement.GetProperty("index-version").GetInt32());
        Assert.Equal(expected, entries);
    }

    [Fact]
    public void TheIndexGivesKindAndTypeOfEveryStructureDefinition()
    {
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(ProfilesFolder.Path, ".index.json")));
        var byFile = index.RootElement.GetProperty("files").EnumerateArray()
            .ToDictionary(e => e.GetProperty("filename").GetString()!, e => e.Clone());

        foreach (var f in ProfilesFolder.Files.Where(f => f.Resource is StructureDefinition))
        {
            var sd = (StructureDefinition)f.Resource;
            Assert.Equal(EnumUtility.GetLiteral(sd.Kind), byFile[f.FileName].GetProperty("kind").GetString());
            Assert.Equal(sd.Type, byFile[f.FileName].GetProperty("type").GetString());
        }
    }

    [Fact]
    public void ThePackageManifestNamesTheR4CoreDependencyAndTheCanonicalBase()
    {
        var package = PackageJson();

        Assert.Equal("stmfhir.profiles", package.GetProperty("name").GetString());
        Assert.Equal("0.1.0", package.GetProperty("version").GetString());
        Assert.Equal(StmCanonical.Base, package.GetProperty("canonical").GetString());
        Assert.Equal(["4.0.1"], package.GetProperty("fhirVersions").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("4.0.1", package.GetProperty("dependencies").GetProperty("hl7.fhir.r4.core").GetString());
        Assert.False(string.IsNullOrWhiteSpace(package.GetProperty("description").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(package.GetProperty("license").GetString()));
    }

    private static JsonElement PackageJson()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(ProfilesFolder.Path, "package.json")));
        return doc.RootElement.Clone();
    }

    private static IEnumerable<string> ConstantsOf(Type type) =>
        type.GetFields().Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);
}
