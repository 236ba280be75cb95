using System.Text.Json;
using Hl7.Fhir.Model;
using StmFhir.Core.Terminology;

namespace StmFhir.Core.Tests.Profiles;

/// <summary>
/// The CodeSystems and ValueSets in profiles/ agree with the codes the mapper writes (StmCodes), and every ValueSet can
/// be expanded offline.
/// </summary>
public sealed class TerminologyArtefactTests
{
    private const string LocalCodeSystemBase = StmCanonical.Base + "/CodeSystem/";

    public static TheoryData<string> CodeSystemFiles => ProfilesFolder.FileNamesWhere(n => n.StartsWith("CodeSystem-", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(CodeSystemFiles))]
    public void LocalCodeSystemHoldsExactlyTheCodesAndDisplaysStmCodesEmits(string fileName)
    {
        var cs = (CodeSystem)ProfilesFolder.Parse(fileName);

        var defined = cs.Concept.Select(c => (c.Code, c.Display)).OrderBy(c => c.Code, StringComparer.Ordinal);
        var emitted = EmittedCodings.Of(cs.Url).Select(c => (c.Code, c.Display));

        Assert.Equal(emitted, defined);
    }

    [Theory]
    [MemberData(nameof(CodeSystemFiles))]
    public void LocalCodeSystemIsCompleteCaseSensitiveAndDefinesEveryConcept(string fileName)
    {
        var cs = (CodeSystem)ProfilesFolder.Parse(fileName);

        Assert.Equal(CodeSystemContentMode.Complete, cs.Content);
        Assert.True(cs.CaseSensitive);
        Assert.Equal(cs.Concept.Count, cs.Count);
        Assert.All(cs.Concept, c => Assert.False(string.IsNullOrWhiteSpace(c.Definition), $"{cs.Id}#{c.Code} has no definition"));
        Assert.Contains(ProfilesFolder.All<ValueSet>(), vs => vs.Url == cs.ValueSet);
    }

    [Fact]
    public void EveryLocalSystemStmCodesEmitsHasACodeSystem()
    {
        var defined = ProfilesFolder.All<CodeSystem>().Select(cs => cs.Url).ToHashSet();

        var missing = EmittedCodings.All.Select(c => c.System).Distinct()
            .Where(s => s?.StartsWith(LocalCodeSystemBase, StringComparison.Ordinal) == true && !defined.Contains(s));

        Assert.Empty(missing);
    }

    [Fact]
    public void EveryLocalCodeSystemHasAValueSetWithTheSameId()
    {
        var valueSets = ProfilesFolder.All<ValueSet>().ToDictionary(vs => vs.Id!);

        foreach (var cs in ProfilesFolder.All<CodeSystem>())
        {
            Assert.True(valueSets.TryGetValue(cs.Id!, out var vs), $"no ValueSet {cs.Id}");
            var include = Assert.Single(vs.Compose!.Include);
            Assert.Equal(cs.Url, include.System);
        }
    }

    [Fact]
    public void ValueSetsOverStandardCodeSystemsAreEnumeratedSoTheyExpandOffline()
    {
        var includes = ProfilesFolder.All<ValueSet>()
            .SelectMany(vs => vs.Compose!.Include.Concat(vs.Compose.Exclude).Select(i => (vs.Id, Include: i)))
            .ToList();

        Assert.All(includes, i => Assert.Empty(i.Include.Filter));
        Assert.All(includes.Where(i => i.Include.System?.StartsWith(LocalCodeSystemBase, StringComparison.Ordinal) != true),
            i => Assert.True(i.Include.Concept.Count > 0, $"{i.Id} includes all of {i.Include.System}"));
        Assert.All(includes.Where(i => i.Include.System?.StartsWith(LocalCodeSystemBase, StringComparison.Ordinal) == true),
            i => Assert.Contains(ProfilesFolder.All<CodeSystem>(), cs => cs.Url == i.Include.System));
    }

    [Fact]
    public void EnumeratedLocalConceptsExistInTheirCodeSystemWithTheSameDisplay()
    {
        var local = ProfilesFolder.All<CodeSystem>()
            .SelectMany(cs => cs.Concept.Select(c => (cs.Url, c.Code, c.Display)))
            .ToHashSet();

        var unknown = ProfilesFolder.All<ValueSet>()
            .SelectMany(vs => vs.Compose!.Include)
            .Where(i => i.System is not null && i.System.StartsWith(LocalCodeSystemBase, StringComparison.Ordinal))
            .SelectMany(i => i.Concept.Select(c => (Url: i.System, c.Code, c.Display)))
            .Where(c => !local.Contains(c));

        Assert.Empty(unknown);
    }

    public static TheoryData<string, string> MapperTables => new()
    {
        { nameof(StmCodes.BodyRegions), "stm-body-region" },
        { nameof(StmCodes.Joints), "stm-joint" },
        { nameof(StmCodes.Lateralities), "stm-laterality" },
        { nameof(StmCodes.Movements), "stm-joint-movement" },
    };

    [Theory]
    [MemberData(nameof(MapperTables))]
    public void EnumeratedValueSetHoldsExactlyTheCodingsOfItsStmCodesTable(string table, string valueSetId)
    {
        var codings = table switch
        {
            nameof(StmCodes.BodyRegions) => StmCodes.BodyRegions.Values,
            nameof(StmCodes.Joints) => StmCodes.Joints.Values,
            nameof(StmCodes.Lateralities) => StmCodes.Lateralities.Values,
            nameof(StmCodes.Movements) => StmCodes.Movements.Values,
            _ => throw new ArgumentOutOfRangeException(nameof(table)),
        };

        // Displays must match too: the offline terminology service warns on a display that differs from the ValueSet's.
        Assert.Equal(Sorted(codings.Select(c => (c.System, c.Code, (string?)c.Display))), Sorted(Concepts(valueSetId)));
    }

    [Fact]
    public void RomLoincValueSetHoldsExactlyTheLoincCodesTheMapperCanWrite()
    {
        var expected = StmCodes.AllRomLoinc.Select(c => ((string?)StmCanonical.Standard.Loinc, (string?)c, (string?)null));

        Assert.Equal(Sorted(expected), Sorted(Concepts("stm-rom-loinc")));
    }

    [Fact]
    public void SnomedCodingsBesideComplicationsAndOutcomesAreInTheAdverseOutcomeValueSet()
    {
        var concepts = Concepts("stm-adverse-outcome-snomed");

        Assert.Contains((StmCodes.SnomedPetechiae.System, StmCodes.SnomedPetechiae.Code, StmCodes.SnomedPetechiae.Display), concepts);
        Assert.Contains((StmCodes.SnomedFracture.System, StmCodes.SnomedFracture.Code, StmCodes.SnomedFracture.Display), concepts);
    }

    [Fact]
    public void EveryBindingNamesAValueSetOfThePackageOrOfR4Core()
    {
        var ours = ProfilesFolder.All<ValueSet>().Select(vs => vs.Url).ToHashSet();

        var bindings = ProfilesFolder.All<StructureDefinition>()
            .SelectMany(sd => sd.Differential!.Element.Where(e => e.Binding?.ValueSet is not null).Select(e => (Sd: sd.Id, e.ElementId, ValueSet: e.Binding!.ValueSet!)))
            .ToList();

        Assert.NotEmpty(bindings);
        Assert.All(bindings, b => Assert.True(
            ours.Contains(b.ValueSet) || (b.ValueSet.StartsWith("http://hl7.org/fhir/ValueSet/", StringComparison.Ordinal) && !b.ValueSet.StartsWith(StmCanonical.Base, StringComparison.Ordinal)),
            $"{b.Sd} {b.ElementId} binds to {b.ValueSet}, which is not in profiles/"));
    }

    [Fact]
    public void EveryStmFhirUrlMentionedInAnArtefactResolvesToAnArtefact()
    {
        var urls = ProfilesFolder.Files.Select(f => ((IVersionableConformanceResource)f.Resource).Url).ToHashSet();

        var dangling = ProfilesFolder.ResourceFileNames
            .SelectMany(f => StringsIn(Path.Combine(ProfilesFolder.Path, f)).Select(s => (File: f, Url: s)))
            .Where(x => x.Url.StartsWith(StmCanonical.Base + "/", StringComparison.Ordinal) && !urls.Contains(x.Url))
            .Select(x => $"{x.File}: {x.Url}")
            .Distinct();

        Assert.Empty(dangling);
    }

    private static List<(string? System, string? Code, string? Display)> Concepts(string valueSetId)
    {
        var vs = Assert.Single(ProfilesFolder.All<ValueSet>(), v => v.Id == valueSetId);
        return [.. vs.Compose!.Include.SelectMany(i => i.Concept.Select(c => (i.System, c.Code, (string?)c.Display)))];
    }

    private static List<(string? System, string? Code, string? Display)> Sorted(IEnumerable<(string? System, string? Code, string? Display)> concepts) =>
        [.. concepts.OrderBy(c => c.System, StringComparer.Ordinal).ThenBy(c => c.Code, StringComparer.Ordinal)];

    private static IEnumerable<string> StringsIn(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return Walk(doc.RootElement).ToList();

        static IEnumerable<string> Walk(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.String => [e.GetString()!],
            JsonValueKind.Object => e.EnumerateObject().SelectMany(p => Walk(p.Value)),
            JsonValueKind.Array => e.EnumerateArray().SelectMany(Walk),
            _ => [],
        };
    }
}
