using System.Text;
using System.Text.Json.Nodes;
using Firely.Fhir.Validation;
using StmFhir.Core.Mapping;
using StmFhir.Core.Terminology;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.FastPath;

#pragma warning disable ExperimentalApi // Reading Firely's compiled schemas.

namespace StmFhir.Core.Tests.Validation.FastPath;

using static StmFhir.Core.Tests.Validation.FastPath.FastPathEquivalence;

/// <summary>
/// With the fast path an expanded extension slice's copy of its definition's children is not checked a second time
/// (<see cref="ExtensionSliceCopies"/>): every way an extension can be wrong gets the same issues with and without it.
/// </summary>
[Collection(ValidationCollection.Name)]
public sealed class ExtensionSliceCopiesTests(ValidationFixture fixture)
{
    private const string Sample = "bundles/08-de-quervain-petechiae.json";
    private const string Procedure = "stm-procedure";
    private const string PainScore = "stm-pain-score";
    private const string RangeOfMotion = "stm-range-of-motion";
    private const string Pressure = "/stm-pressure";
    private const string StrokePattern = "/stm-stroke-pattern";
    private const string Technique = "/procedure-method";

    /// <summary>An edit of one resource of the sample and the issue text it must produce (null: none in particular).</summary>
    private static readonly Dictionary<string, (string Profile, Action<JsonObject> Edit, string? Expected)> Edits = new()
    {
        ["pressure code not in its ValueSet"] = (Procedure, r => Coding(Extension(r, Pressure)["valueCodeableConcept"]!)["code"] = "extreme", "extreme"),
        ["pressure given as a string"] = (Procedure, r => { var e = Extension(r, Pressure); e.Remove("valueCodeableConcept"); e["valueString"] = "deep"; }, null),
        ["pressure without a value"] = (Procedure, r => Extension(r, Pressure).Remove("valueCodeableConcept"), null),
        ["pressure with a sub-extension"] = (Procedure, r => Extension(r, Pressure)["extension"] = new JsonArray(new JsonObject { ["url"] = "note", ["valueString"] = "x" }), null),
        ["pressure with an element extensions do not have"] = (Procedure, r => Extension(r, Pressure)["colour"] = "red", "colour"),
        ["pressure with an id"] = (Procedure, r => Extension(r, Pressure)["id"] = "p1", null),
        ["pressure with an id that is not an id"] = (Procedure, r => Extension(r, Pressure)["id"] = "not an id!", null),
        ["pressure given twice"] = (Procedure, r => ((JsonArray)r["extension"]!).Add(Extension(r, Pressure).DeepClone()), null),
        ["pressure missing"] = (Procedure, r => ((JsonArray)r["extension"]!).Remove(Extension(r, Pressure)), "pressure"),
        ["stroke pattern without its rhythm"] = (Procedure, r => ((JsonArray)Extension(r, StrokePattern)["extension"]!).RemoveAt(0), "rhythm"),
        ["stroke pattern without sub-extensions"] = (Procedure, r => Extension(r, StrokePattern).Remove("extension"), null),
        ["stroke pattern with a value of its own"] = (Procedure, r => Extension(r, StrokePattern)["valueString"] = "fast", null),
        ["stroke pattern with an unknown sub-extension"] = (Procedure, r => ((JsonArray)Extension(r, StrokePattern)["extension"]!).Add(new JsonObject { ["url"] = "speed", ["valueString"] = "fast" }), null),
        ["stroke type not in its ValueSet"] = (Procedure, r => Coding(Extension(r, StrokePattern)["extension"]![1]!["valueCodeableConcept"]!)["code"] = "zigzag", "zigzag"),
        ["technique not in the StmFhir ValueSet"] = (Procedure, r => Coding(Extension(r, Technique)["valueCodeableConcept"]!)["code"] = "surgical", "surgical"),
        ["region minutes as a string"] = (Procedure, r => { var e = BodySiteExtension(r, "/stm-region-minutes"); e.Remove("valueDuration"); e["valueString"] = "5 min"; }, null),
        ["region minutes with a comparator"] = (Procedure, r => BodySiteExtension(r, "/stm-region-minutes")["valueDuration"]!["comparator"] = "<", null),
        ["laterality not in its ValueSet"] = (Procedure, r => Coding(BodySiteExtension(r, "/stm-laterality")["valueCodeableConcept"]!)["code"] = "middle", null),
        ["pain timing not in its ValueSet"] = (PainScore, r => Coding(((JsonArray)r["extension"]!)[0]!["valueCodeableConcept"]!)["code"] = "during", "during"),
        ["pain timing without a value"] = (PainScore, r => ((JsonArray)r["extension"]!)[0]!.AsObject().Remove("valueCodeableConcept"), null),
        ["range of motion mode as a code"] = (RangeOfMotion, r => { var e = ((JsonArray)r["extension"]!).First(x => x!["url"]!.GetValue<string>().EndsWith("/stm-rom-mode", StringComparison.Ordinal))!.AsObject(); e.Remove("valueCodeableConcept"); e["valueCode"] = "active"; }, null),
    };

    public static TheoryData<string> EditNames => [.. Edits.Keys];

    [Theory]
    [MemberData(nameof(EditNames))]
    public void AnEditedExtensionGetsTheSameIssuesWithAndWithoutTheFastPath(string name)
    {
        var (profile, edit, expected) = Edits[name];

        var firely = FastPathEquivalence.AssertSameIssues(fixture, Sample, profile, edit);

        Assert.Contains(firely, i => i.StartsWith("Error", StringComparison.Ordinal) || i.StartsWith("Warning", StringComparison.Ordinal));
        if (expected is not null)
        {
            Assert.Contains(firely, i => i.Contains(expected, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void TheCopiedChildrenAreLeftOutWithTheFastPathAndTheProfilesOwnConstraintsStay()
    {
        var procedure = new Canonical(StmCanonical.Base + "/StructureDefinition/" + Procedure);
        var fast = SliceAssertions(fixture.Engine.Schemas.GetSchema(procedure)!);
        var firely = SliceAssertions(fixture.FirelyOnlyEngine.Schemas.GetSchema(procedure)!);

        // Firely's compiled slices check the expanded children and the extension definition.
        Assert.All(["pressure", "strokePattern", "technique", "regionMinutes", "laterality"], slice => Assert.Contains(firely[slice], a => a is ChildrenValidator));
        // With the fast path a pure copy's children and required list are gone ...
        Assert.All(["pressure", "strokePattern", "regionMinutes", "laterality"], slice =>
            Assert.DoesNotContain(fast[slice], a => a is ChildrenValidator or PresentChildren or RequiredValidator));
        Assert.All(["pressure", "strokePattern", "regionMinutes", "laterality"], slice => Assert.Contains(fast[slice], a => a is MemoizedExtensionReference));
        // ... but the technique slice binds value[x] to an StmFhir ValueSet that procedure-method does not: it keeps its children.
        Assert.Contains(fast["technique"], a => a is ChildrenValidator or PresentChildren);
    }

    private static Dictionary<string, List<IAssertion>> SliceAssertions(ElementSchema schema) =>
        Flatten(schema).OfType<SliceValidator>().SelectMany(s => s.Slices)
            .Where(c => c.Assertion is IAssertionContainer)
            .GroupBy(c => c.Name)
            .ToDictionary(g => g.Key, g => ((IAssertionContainer)g.First().Assertion).Children().Select(c => c.Child).ToList());


    private static JsonObject Extension(JsonObject resource, string urlEnd) =>
        ((JsonArray)resource["extension"]!).Select(e => e!.AsObject()).First(e => e["url"]!.GetValue<string>().EndsWith(urlEnd, StringComparison.Ordinal));

    private static JsonObject BodySiteExtension(JsonObject procedure, string urlEnd) =>
        ((JsonArray)procedure["bodySite"]![0]!["extension"]!).Select(e => e!.AsObject()).First(e => e["url"]!.GetValue<string>().EndsWith(urlEnd, StringComparison.Ordinal));
}
