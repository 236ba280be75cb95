using System.Formats.Tar;
using System.IO.Compression;
using Hl7.Fhir.Model;
using StmFhir.Core.Tests.Validation;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Definitions;

namespace StmFhir.Core.Tests.Profiles;

/// <summary>
/// Every extension slice of every snapshot, as the engine generates it and as <c>stmfhir package</c> publishes it, is
/// expanded to its children with <c>url</c> fixed, as the HL7 IG publisher does: validators that read only the
/// published snapshot (Medplum) match an extension to its slice by that fixed url.
/// </summary>
public sealed class ExtensionSliceSnapshotTests
{
    // Generated from scratch (no cache), as the engine does on a new machine.
    private static readonly Lazy<IReadOnlyList<StructureDefinition>> s_generated = new(() =>
        [.. ProfileSet.Load(ValidationFixture.ProfilesDirectory,
                CoreDefinitions.Open(ValidationFixture.DefaultSpecificationZip, StmValidatorOptions.DefaultCacheDirectory),
                cacheRoot: null)
            .StructureDefinitions.OrderBy(sd => sd.Url, StringComparer.Ordinal)]);

    private static readonly Lazy<IReadOnlyList<StructureDefinition>> s_packaged = new(Packaged);

    [Fact]
    public void EveryExtensionSliceTheEngineUsesHasItsChildrenAndAFixedUrl() => AssertExpanded(s_generated.Value);

    [Fact]
    public void EveryExtensionSliceInThePackageHasItsChildrenAndAFixedUrl() => AssertExpanded(s_packaged.Value);

    [Fact]
    public void ThePackageHoldsTheSnapshotsTheEngineUses()
    {
        var packaged = s_packaged.Value.ToDictionary(sd => sd.Url!);
        Assert.All(s_generated.Value, sd => Assert.Equal(
            sd.Snapshot!.Element.Select(e => e.ElementId), packaged[sd.Url!].Snapshot!.Element.Select(e => e.ElementId)));
    }

    [Fact]
    public void TheStmExtensionsOfTheProcedureAreAmongTheExpandedSlices()
    {
        // Guards the test above against finding no slice at all: these are the ones a validator could not match before.
        var procedure = s_packaged.Value.Single(sd => sd.Id == "stm-procedure");
        var ids = procedure.Snapshot!.Element.Select(e => e.ElementId).ToHashSet();
        Assert.Superset(new HashSet<string>
        {
            "Procedure.extension:pressure.url", "Procedure.extension:strokePattern.url", "Procedure.extension:strokePattern.extension",
            "Procedure.bodySite.extension:regionMinutes.value[x]", "Procedure.bodySite.extension:laterality.url",
        }, ids!);
    }

    [Fact]
    public void NoSliceSitsInsideAnExpandedExtensionSlice()
    {
        // Medplum 4.5.2 reads any element with a sliceName as a slice of the outermost slicing it is in: a
        // sub-extension slice inside Procedure.extension:strokePattern became a required slice of Procedure.extension.
        var nested = s_packaged.Value
            .SelectMany(sd => sd.Snapshot!.Element.Where(e => e.SliceName is not null && e.ElementId!.Split('.').SkipLast(1).Any(part => part.Contains(':', StringComparison.Ordinal))))
            .Select(e => e.ElementId);
        Assert.Empty(nested);
    }

    private static void AssertExpanded(IReadOnlyList<StructureDefinition> definitions)
    {
        var problems = new List<string>();
        var slices = 0;
        foreach (var sd in definitions)
        {
            var elements = sd.Snapshot!.Element;
            for (var i = 0; i < elements.Count; i++)
            {
                if (!ExtensionSlices.IsExtensionSlice(elements[i]))
                {
                    continue;
                }
                slices++;
                var slice = elements[i];
                var children = elements.Skip(i + 1).TakeWhile(e => e.ElementId!.StartsWith(slice.ElementId + ".", StringComparison.Ordinal)).ToList();
                var url = children.SingleOrDefault(e => e.ElementId == slice.ElementId + ".url");
                var expectedUrl = slice.Type[0].Profile.SingleOrDefault() ?? slice.SliceName;
                if (url?.Fixed is not FhirUri { Value: { } fixedUrl })
                {
                    problems.Add($"{sd.Id} {slice.ElementId}: no child url with a fixed value ({children.Count} children)");
                }
                else if (fixedUrl != expectedUrl)
                {
                    problems.Add($"{sd.Id} {slice.ElementId}: url fixed to {fixedUrl}, expected {expectedUrl}");
                }
                if (!children.Any(e => e.ElementId == slice.ElementId + ".value[x]") || !children.Any(e => e.ElementId == slice.ElementId + ".extension"))
                {
                    problems.Add($"{sd.Id} {slice.ElementId}: no value[x] or extension child");
                }
            }
        }
        Assert.True(slices >= 10, $"only {slices} extension slices found");
        Assert.Empty(problems);
    }

    private static List<StructureDefinition> Packaged()
    {
        using var tgz = new MemoryStream();
        var issues = FhirPackageWriter.Write(ValidationFixture.ProfilesDirectory, tgz);
        Assert.Empty(issues);
        tgz.Position = 0;
        using var gzip = new GZipStream(tgz, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var definitions = new List<StructureDefinition>();
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.Name.StartsWith("package/StructureDefinition-", StringComparison.Ordinal))
            {
                using var reader = new StreamReader(entry.DataStream!);
                definitions.Add((StructureDefinition)FhirSerialization.ParseJsonAsIs(reader.ReadToEnd()));
            }
        }
        return [.. definitions.OrderBy(sd => sd.Url, StringComparer.Ordinal)];
    }
}
