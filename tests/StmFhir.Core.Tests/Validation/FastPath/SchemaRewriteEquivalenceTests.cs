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
/// Besides remembering clean values, the fast path rewrites three kinds of Firely assertion: slice discriminators
/// compiled once (<see cref="CompiledPathSelector"/>), Firely's repetition check answered from the model once
/// (<see cref="ElementCardinality"/>), and a few core invariants (dom-2..5, ref-1, Bundle, Observation, Period) answered without FHIRPath when plainly true
/// (<see cref="ShortcutInvariant"/>), and children validated only when present or when their absence can matter
/// (<see cref="PresentChildren"/>). A value must land in the same slice, and a failing slice, cardinality, invariant or
/// missing or unknown child give the same issues, as with Firely's own assertions.
/// </summary>
[Collection(ValidationCollection.Name)]
public sealed class SchemaRewriteEquivalenceTests(ValidationFixture fixture)
{
    private const string Sample = "bundles/08-de-quervain-petechiae.json";
    private const string RangeOfMotion = "stm-range-of-motion";
    private const string Procedure = "stm-procedure";
    private const string TheBundle = FastPathEquivalence.TheBundle;

    /// <summary>
    /// An edit of one resource of the sample (named for what it shows) and the issue text it must produce (null:
    /// none in particular).
    /// </summary>
    private static readonly Dictionary<string, (string Profile, Action<JsonObject> Edit, string? Expected)> Edits = new()
    {
        ["category matches no slice"] = (RangeOfMotion, r => Coding(r["category"]![0]!)["code"] = "vital-signs", "exam"),
        ["category matches its slice twice"] = (RangeOfMotion, r => ((JsonArray)r["category"]!).Add(r["category"]![0]!.DeepClone()), "exam"),
        ["coding without the discriminating system (selector finds nothing)"] = (RangeOfMotion, r => Coding(r["code"]!).Remove("system"), "rangeOfJointMovement"),
        // Firely 3.6.0 throws on these two (its binding and extension checks read a repeated system or url with
        // SingleOrDefault): the engine reports STM-INPUT-002 at the element instead, with the fast path on and off.
        ["coding with two systems (selector finds too many)"] = (RangeOfMotion, r => Coding(r["code"]!)["system"] = new JsonArray("http://snomed.info/sct", "http://loinc.org"), "STM-INPUT-002"),
        ["coding in the other slice"] = (RangeOfMotion, r => ((JsonArray)r["code"]!["coding"]!).Add(new JsonObject { ["system"] = "http://loinc.org", ["code"] = "8867-4" }), null),
        ["component matches no slice"] = (RangeOfMotion, r => Coding(r["component"]![0]!["code"]!)["code"] = "not-a-component", "movement"),
        ["component matches its slice twice"] = (RangeOfMotion, r => ((JsonArray)r["component"]!).Add(r["component"]![0]!.DeepClone()), "movement"),
        ["a value that fails its slice"] = (RangeOfMotion, r => Coding(r["component"]![0]!["valueCodeableConcept"]!)["code"] = "zz-unknown", null),
        ["extension without url (selector finds nothing)"] = (RangeOfMotion, r => ((JsonObject)r["extension"]![0]!).Remove("url"), null),
        // Read once (and not checkable), now refused by the reader, which makes every url a JSON string.
        ["extension with two urls (selector finds too many)"] = (RangeOfMotion, r => r["extension"]![0]!["url"] = new JsonArray(r["extension"]![0]!["url"]!.GetValue<string>(), "http://example.org/x"), "resource.extension[0].url url must be a JSON string"),
        ["component with two codes (selector finds too many)"] = (RangeOfMotion, r => r["component"]![0]!["code"] = new JsonArray(r["component"]![0]!["code"]!.DeepClone(), r["component"]![0]!["code"]!.DeepClone()), "movement"),
        ["extensions swapped"] = (RangeOfMotion, r => ((JsonArray)r["extension"]!).Add(((JsonArray)r["extension"]!)[0]!.DeepClone()), null),
        ["procedure coding outside both pattern slices"] = (Procedure, r => Coding(r["code"]!)["code"] = "97999", null),
        ["procedure codings swapped"] = (Procedure, r => { var codings = (JsonArray)r["code"]!["coding"]!; var first = codings[0]!.DeepClone(); codings.RemoveAt(0); codings.Add(first); }, null),
        ["complication coding of a third system"] = (Procedure, r => Coding(r["complication"]![0]!)["system"] = "http://example.org/complications", "stm"),
        ["complication coding in both system slices"] = (Procedure, r => ((JsonArray)r["complication"]![0]!["coding"]!).Add(new JsonObject { ["system"] = "http://snomed.info/sct", ["code"] = "271813007" }), null),
        ["repeating element given as a single value"] = (RangeOfMotion, r => r["category"] = r["category"]![0]!.DeepClone(), "must be an array"),
        ["single element given twice"] = (RangeOfMotion, r => r["method"] = new JsonArray(r["method"]!.DeepClone(), r["method"]!.DeepClone()), null),
        ["contained resource nothing refers to (dom-3)"] = (Procedure, r => r["contained"] = Contained("c1"), "dom-3"),
        ["contained resource referred to (ref-1 through the contained ids)"] = (Procedure, r => { r["contained"] = Contained("c1"); r["subject"]!["reference"] = "#c1"; }, null),
        ["local reference to nothing contained (ref-1)"] = (Procedure, r => r["subject"]!["reference"] = "#c2", "ref-1"),
        ["reference '#' in a resource (ref-1)"] = (Procedure, r => r["subject"]!["reference"] = "#", "ref-1"),
        ["reference by identifier only"] = (Procedure, r => r["subject"] = new JsonObject { ["identifier"] = new JsonObject { ["system"] = "urn:x", ["value"] = "1" } }, null),
        ["reference given twice"] = (Procedure, r => r["subject"]!["reference"] = new JsonArray("#c1", "Patient/1"), null),
        ["contained resource with a version (dom-4)"] = (Procedure, r => r["contained"] = Contained("c1", new JsonObject { ["versionId"] = "2" }), "dom-4"),
        ["contained resource with a security label (dom-5)"] = (Procedure, r => r["contained"] = Contained("c1", new JsonObject { ["security"] = new JsonArray(new JsonObject { ["code"] = "R" }) }), "dom-5"),
        ["contained resource containing another (dom-2)"] = (Procedure, r => { r["contained"] = Contained("c1"); r["contained"]![0]!["contained"] = Contained("c2"); }, null),
        ["empty contained list"] = (Procedure, r => r["contained"] = new JsonArray(), null),
        ["bundle of type batch"] = (TheBundle, b => b["type"] = "batch", null),
        ["bundle of type collection (bdl-3)"] = (TheBundle, b => b["type"] = "collection", "bdl-3"),
        ["bundle of type history"] = (TheBundle, b => b["type"] = "history", null),
        ["bundle without type"] = (TheBundle, b => b.Remove("type"), null),
        ["entry read with GET (bdl-3c)"] = (TheBundle, b => b["entry"]![1]!["request"]!["method"] = "GET", "bdl-3c"),
        ["entry deleted with DELETE"] = (TheBundle, b => { b["entry"]![1]!["request"]!["method"] = "DELETE"; b["entry"]![1]!.AsObject().Remove("resource"); }, null),
        ["entry without request (bdl-3)"] = (TheBundle, b => b["entry"]![1]!.AsObject().Remove("request"), "bdl-3"),
        ["entry without resource"] = (TheBundle, b => b["entry"]![1]!.AsObject().Remove("resource"), null),
        ["entry with a response (bdl-4)"] = (TheBundle, b => b["entry"]![1]!["response"] = new JsonObject { ["status"] = "201" }, "bdl-4"),
        ["entry with two requests"] = (TheBundle, b => b["entry"]![1]!["request"] = new JsonArray(b["entry"]![1]!["request"]!.DeepClone(), b["entry"]![1]!["request"]!.DeepClone()), null),
        ["two entries with one full URL (STM-BDL-004, for bdl-7)"] = (TheBundle, b => b["entry"]![2]!["fullUrl"] = b["entry"]![1]!["fullUrl"]!.DeepClone(), "STM-BDL-004"),
        ["two full URLs differing in case only"] = (TheBundle, b => b["entry"]![2]!["fullUrl"] = b["entry"]![1]!["fullUrl"]!.GetValue<string>().ToUpperInvariant(), null),
        ["two entries with one full URL and versions"] = (TheBundle, b =>
        {
            b["entry"]![2]!["fullUrl"] = b["entry"]![1]!["fullUrl"]!.DeepClone();
            b["entry"]![1]!["resource"]!["meta"] = new JsonObject { ["versionId"] = "1" };
            b["entry"]![2]!["resource"]!["meta"] = new JsonObject { ["versionId"] = "2" };
        }, null),
        ["entry without full URL"] = (TheBundle, b => b["entry"]![1]!.AsObject().Remove("fullUrl"), null),
        ["no entries"] = (TheBundle, b => b.Remove("entry"), null),
        ["entry with a version in its full URL (bdl-8)"] = (TheBundle, b => b["entry"]![1]!["fullUrl"] = "http://example.org/fhir/Patient/1/_history/2", "bdl-8"),
        ["entry with nothing but a full URL (bdl-5)"] = (TheBundle, b => { b["entry"]![1]!.AsObject().Remove("resource"); b["entry"]![1]!.AsObject().Remove("request"); }, "bdl-5"),
        ["component coded as the observation (obs-7)"] = (RangeOfMotion, r => r["component"]![0]!["code"] = r["code"]!.DeepClone(), "obs-7"),
        ["component code differing from the observation's in case only"] = (RangeOfMotion, r =>
        {
            r["component"]![0]!["code"] = r["code"]!.DeepClone();
            Coding(r["component"]![0]!["code"]!)["code"] = Coding(r["code"]!)["code"]!.GetValue<string>() + "X";
            Coding(r["code"]!)["code"] = Coding(r["code"]!)["code"]!.GetValue<string>() + "x";
        }, null),
        ["component coding without code"] = (RangeOfMotion, r => Coding(r["component"]![0]!["code"]!).Remove("code"), null),
        ["observation without value"] = (RangeOfMotion, r => r.Remove("valueQuantity"), null),
        ["observation without code"] = (RangeOfMotion, r => r.Remove("code"), null),
        ["observation with a value and a data absent reason (obs-6)"] = (RangeOfMotion, r => r["dataAbsentReason"] = new JsonObject { ["text"] = "not measured" }, "obs-6"),
        ["period ending before it starts (per-1)"] = (Procedure, r => Period(r, "2026-03-12T17:24:00+02:00", "2026-03-12T17:10:00+02:00"), "per-1"),
        ["period ending a second before it starts, in UTC (per-1)"] = (Procedure, r => Period(r, "2026-03-12T15:10:00Z", "2026-03-12T15:09:59Z"), "per-1"),
        ["period ending when it starts"] = (Procedure, r => Period(r, "2026-03-12T17:10:00+02:00", "2026-03-12T17:10:00+02:00"), null),
        ["period in two time zones, in order only as instants"] = (Procedure, r => Period(r, "2026-03-12T17:10:00+02:00", "2026-03-12T16:20:00+01:00"), null),
        ["period in two time zones, out of order as instants (per-1)"] = (Procedure, r => Period(r, "2026-03-12T17:10:00+02:00", "2026-03-12T16:00:00+01:00"), "per-1"),
        ["period across midnight UTC"] = (Procedure, r => Period(r, "2026-03-12T23:50:00-03:00", "2026-03-13T01:10:00Z"), null),
        ["period with fractions of a second"] = (Procedure, r => Period(r, "2026-03-12T17:10:00.500+02:00", "2026-03-12T17:10:00.250+02:00"), null),
        ["period of dates, out of order (per-1)"] = (Procedure, r => Period(r, "2026-03-13", "2026-03-12"), "per-1"),
        ["period of a date and a dateTime"] = (Procedure, r => Period(r, "2026-03-12", "2026-03-12T17:10:00+02:00"), null),
        ["period without time zones"] = (Procedure, r => Period(r, "2026-03-12T17:24:00", "2026-03-12T17:10:00"), null),
        ["period without start"] = (Procedure, r => Period(r, null, "2026-03-12T17:10:00+02:00"), null),
        ["period without end"] = (Procedure, r => Period(r, "2026-03-12T17:10:00+02:00", null), null),
        ["period with an impossible date"] = (Procedure, r => Period(r, "2026-02-30T17:10:00+02:00", "2026-02-31T17:10:00+02:00"), null),
        ["period with an hour 24"] = (Procedure, r => Period(r, "2026-03-12T24:00:00+02:00", "2026-03-12T17:10:00+02:00"), null),
        ["element with only an id (ele-1)"] = (RangeOfMotion, r => r["method"] = new JsonObject { ["id"] = "m1" }, "ele-1"),
        ["backbone element with only an id (ele-1)"] = (RangeOfMotion, r => r["component"]![0] = new JsonObject { ["id"] = "c1" }, "ele-1"),
        ["coding with only an id (ele-1)"] = (Procedure, r => ((JsonArray)r["code"]!["coding"]!).Add(new JsonObject { ["id"] = "k1" }), "ele-1"),
        ["reference with only an extension"] = (Procedure, r => r["subject"] = new JsonObject { ["extension"] = new JsonArray(new JsonObject { ["url"] = "http://example.org/x", ["valueString"] = "y" }) }, null),
        ["element with an id and an extension"] = (RangeOfMotion, r => r["method"] = new JsonObject { ["id"] = "m1", ["extension"] = new JsonArray(new JsonObject { ["url"] = "http://example.org/x", ["valueString"] = "y" }) }, null),
        ["region minutes without the UCUM system (drt-1)"] = (Procedure, r => RegionMinutes(r).Remove("system"), "drt-1"),
        ["region minutes in another unit system (drt-1)"] = (Procedure, r => RegionMinutes(r)["system"] = "http://example.org/units", "drt-1"),
        ["region minutes without a value (drt-1)"] = (Procedure, r => RegionMinutes(r).Remove("value"), "drt-1"),
        ["region minutes in hours"] = (Procedure, r => { RegionMinutes(r)["code"] = "h"; RegionMinutes(r)["unit"] = "h"; }, null),
        ["period with a start given twice"] = (Procedure, r => r["performedPeriod"]!["start"] = new JsonArray("2026-03-12T17:24:00+02:00", "2026-03-12T17:10:00+02:00"), null),
        ["procedure with only the elements it must have"] = (Procedure, r =>
        {
            foreach (var name in r.Select(p => p.Key).Except(["resourceType", "meta", "status", "subject"]).ToList())
            {
                r.Remove(name);
            }
        }, null),
        ["procedure without its required status"] = (Procedure, r => r.Remove("status"), "status"),
        ["procedure without its sliced code and extensions"] = (Procedure, r => { r.Remove("code"); r.Remove("extension"); }, null),
        ["observation without its sliced extensions and components"] = (RangeOfMotion, r => { r.Remove("extension"); r.Remove("component"); }, null),
        ["element the procedure does not have"] = (Procedure, r => r["colour"] = "red", "colour"),
        ["element unknown beside absent ones"] = (RangeOfMotion, r => { r.Remove("method"); r.Remove("bodySite"); r["methods"] = "goniometer"; }, "methods"),
        ["known element in the wrong shape"] = (Procedure, r => r["status"] = new JsonObject { ["code"] = "completed" }, null),
        ["known element given as an empty object"] = (RangeOfMotion, r => r["method"] = new JsonObject(), null),
    };

    public static TheoryData<string> EditNames => [.. Edits.Keys];

    [Theory]
    [MemberData(nameof(EditNames))]
    public void AnEditedSlicedElementGetsTheSameIssuesWithAndWithoutTheFastPath(string name)
    {
        var (profile, edit, expected) = Edits[name];

        var firely = FastPathEquivalence.AssertSameIssues(fixture, Sample, profile, edit);

        if (expected is not null)
        {
            Assert.Contains(firely, i => i.Contains(expected, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void EveryDiscriminatorOfTheProfilesIsCompiledOnceWithTheFastPath()
    {
        var discriminators = 0;
        foreach (var url in fixture.Engine.ProfileUrls)
        {
            foreach (var slicing in Slicings(fixture.Engine.Schemas.GetSchema(new Canonical(url))!))
            {
                foreach (var condition in slicing.Slices.Select(s => s.Condition))
                {
                    Assert.DoesNotContain(Flatten(condition), a => a is PathSelectorValidator);
                    discriminators += Flatten(condition).Count(a => a is CompiledPathSelector);
                }
            }
        }
        Assert.True(discriminators > 20, $"only {discriminators} compiled discriminators");
    }

    [Fact]
    public void SliceConditionsReadingOnlyTheValueRememberTheirOutcomesWithTheFastPath()
    {
        var conditions = fixture.Engine.ProfileUrls
            .SelectMany(url => Slicings(fixture.Engine.Schemas.GetSchema(new Canonical(url))!))
            .SelectMany(s => s.Slices).Select(s => s.Condition).ToList();
        // Extension urls, coding systems and patterns: all read only the value.
        Assert.True(conditions.Count(c => c is MemoizedSliceCondition) > 20);
        Assert.All(conditions.OfType<MemoizedSliceCondition>(), c => Assert.True(MemoizedSliceCondition.IsLocal(c.Inner)));
        var firelyOnly = fixture.FirelyOnlyEngine.ProfileUrls
            .SelectMany(url => Slicings(fixture.FirelyOnlyEngine.Schemas.GetSchema(new Canonical(url))!))
            .SelectMany(s => s.Slices).Select(s => s.Condition);
        Assert.DoesNotContain(firelyOnly, c => c is MemoizedSliceCondition);
    }

    [Fact]
    public void OnlyDownwardPathsOntoFixedOrPatternChecksCountAsReadingOnlyTheValue()
    {
        var fixedUrl = new FixedValidator(new Hl7.Fhir.Model.PrimitiveNode(new Hl7.Fhir.Model.FhirUri("http://example.org/x"), null, null, "url"));
        PathSelectorValidator Selector(string path, IAssertion other) => new(path, other);
        Assert.True(MemoizedSliceCondition.IsLocal(CompiledPathSelector.TryCreate(Selector("url", fixedUrl))!));
        Assert.True(MemoizedSliceCondition.IsLocal(CompiledPathSelector.TryCreate(Selector("code.coding", fixedUrl))!));
        Assert.True(MemoizedSliceCondition.IsLocal(CompiledPathSelector.TryCreate(Selector("$this", fixedUrl))!));
        Assert.False(MemoizedSliceCondition.IsLocal(CompiledPathSelector.TryCreate(Selector("resolve()", fixedUrl))!));
        Assert.False(MemoizedSliceCondition.IsLocal(CompiledPathSelector.TryCreate(Selector("%resource.id", fixedUrl))!));
        Assert.False(MemoizedSliceCondition.IsLocal(CompiledPathSelector.TryCreate(Selector("extension('http://example.org/x')", fixedUrl))!));
        Assert.False(MemoizedSliceCondition.IsLocal(CompiledPathSelector.TryCreate(Selector("url", new FhirTypeLabelValidator("uri")))!));
        Assert.False(MemoizedSliceCondition.IsLocal(Selector("url", fixedUrl)));
    }

    [Fact]
    public void WithoutTheFastPathFirelysOwnAssertionsStay()
    {
        var schema = fixture.FirelyOnlyEngine.Schemas.GetSchema(new Canonical(StmCanonical.Base + "/StructureDefinition/" + RangeOfMotion))!;
        var conditions = Slicings(schema).SelectMany(s => s.Slices).SelectMany(s => Flatten(s.Condition)).ToList();
        Assert.Contains(conditions, a => a is PathSelectorValidator);
        Assert.DoesNotContain(conditions, a => a is CompiledPathSelector);
        Assert.DoesNotContain(Flatten(schema), a => a is ElementCardinality or ShortcutInvariant);
        Assert.Contains(Flatten(schema), a => a is FhirPathValidator { Key: "dom-3" });
        Assert.Contains(Flatten(schema), a => a is FhirEle1Validator);
        Assert.DoesNotContain(Flatten(schema), a => a is ShortcutEle1);
    }

    [Fact]
    public void EveryResourceAndReferenceHasItsCommonInvariantsShortcutWithTheFastPath()
    {
        var procedure = Flatten(fixture.Engine.Schemas.GetSchema(new Canonical(StmCanonical.Base + "/StructureDefinition/" + Procedure))!).ToList();
        Assert.Equal(["dom-2", "dom-3", "dom-4", "dom-5"],
            procedure.OfType<ShortcutInvariant>().Select(s => s.Inner.Key).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(procedure, a => a is FhirPathValidator { Key: "dom-2" or "dom-3" or "dom-4" or "dom-5" } and not ShortcutInvariant);
        Assert.Contains(procedure, a => a is ElementCardinality);
        Assert.Contains(procedure, a => a is ShortcutEle1);
        Assert.DoesNotContain(procedure, a => a is FhirEle1Validator);
        Assert.DoesNotContain(procedure, a => a is CardinalityValidator);
        var reference = Flatten(fixture.Engine.Schemas.GetSchema(new Canonical("http://hl7.org/fhir/StructureDefinition/Reference"))!);
        Assert.Contains(reference, a => a is ShortcutInvariant { Inner.Key: "ref-1" });
        var rangeOfMotion = Flatten(fixture.Engine.Schemas.GetSchema(new Canonical(StmCanonical.Base + "/StructureDefinition/" + RangeOfMotion))!);
        Assert.Contains(rangeOfMotion, a => a is ShortcutInvariant { Inner.Key: "obs-6" });
        Assert.Contains(rangeOfMotion, a => a is ShortcutInvariant { Inner.Key: "obs-7" });
        var period = Flatten(fixture.Engine.Schemas.GetSchema(new Canonical("http://hl7.org/fhir/StructureDefinition/Period"))!);
        Assert.Contains(period, a => a is ShortcutInvariant { Inner.Key: "per-1" });
        var bundle = Flatten(fixture.Engine.Schemas.GetSchema(new Canonical("http://hl7.org/fhir/StructureDefinition/Bundle"))!);
        Assert.Equal(["bdl-3", "bdl-3c", "bdl-4", "bdl-5", "bdl-8"],
            bundle.OfType<ShortcutInvariant>().Select(s => s.Inner.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ChildrenAreMatchedOnlyWhenPresentOrWhenTheirSchemaHasSlicingWithTheFastPath()
    {
        var procedure = Flatten(fixture.Engine.Schemas.GetSchema(new Canonical(StmCanonical.Base + "/StructureDefinition/" + Procedure))!).ToList();
        var top = procedure.OfType<PresentChildren>().First();
        // The profile slices Procedure.extension: it is validated even when absent (a required slice is missing).
        Assert.False(PresentChildren.SilentWhenAbsent(top.Inner.ChildList["extension"]));
        Assert.True(PresentChildren.SilentWhenAbsent(top.Inner.ChildList["note"]));
        // Every children validator that could leave a child out does.
        Assert.All(procedure.OfType<ChildrenValidator>(), c => Assert.IsNotType<PresentChildren>(PresentChildren.For(c)));
        var firelyOnly = Flatten(fixture.FirelyOnlyEngine.Schemas.GetSchema(new Canonical(StmCanonical.Base + "/StructureDefinition/" + Procedure))!).ToList();
        Assert.Contains(firelyOnly, a => a is ChildrenValidator);
        Assert.DoesNotContain(firelyOnly, a => a is PresentChildren);
    }

    [Fact]
    public void MoreShapesOfOneElementThanAreKeptGetTheSameIssues()
    {
        // 2^7 Patients, each with another set of optional elements (one in three with an unknown element too), each
        // a shape of Patient's children: more than PresentChildren keeps, so the later ones go to Firely's validator whole.
        string[] optional = ["active", "gender", "birthDate", "telecom", "address", "maritalStatus", "communication"];
        for (var set = 0; set < 1 << optional.Length; set++)
        {
            var patient = new JsonObject { ["resourceType"] = "Patient", ["name"] = new JsonArray(new JsonObject { ["family"] = "Shape" + set }) };
            for (var i = 0; i < optional.Length; i++)
            {
                if ((set & (1 << i)) != 0)
                {
                    patient[optional[i]] = optional[i] switch
                    {
                        "active" => true,
                        "gender" => set % 2 == 0 ? "female" : "not-a-gender",
                        "birthDate" => "1970-01-0" + (1 + set % 9),
                        "telecom" => new JsonArray(new JsonObject { ["system"] = "phone", ["value"] = "555-" + set }),
                        "address" => new JsonArray(new JsonObject { ["city"] = "Town" + set }),
                        "maritalStatus" => new JsonObject { ["text"] = "unknown" },
                        _ => new JsonArray(new JsonObject { ["language"] = new JsonObject { ["text"] = "Dutch" } }),
                    };
                }
            }
            if (set % 3 == 0)
            {
                patient["nickname"] = "x";
            }
            var json = patient.ToJsonString();
            var firely = Outcome(fixture.FirelyOnlyEngine, json);
            Assert.Equal(firely, Outcome(fixture.Engine, json));
            Assert.Equal(firely, Outcome(fixture.Engine, json));
        }
        var patientChildren = Flatten(fixture.Engine.Schemas.GetSchema(new Canonical("http://hl7.org/fhir/StructureDefinition/Patient"))!).OfType<PresentChildren>().First();
        Assert.Equal(PresentChildren.MaxShapes, patientChildren.ShapeCount);
    }

    /// <summary>Each issue as text (the reader's, when it read nothing), or what the validator threw.</summary>

    [Fact]
    public void FirelysCheckOfABaseTypesInvariantsFindsTheShortcutOnesToo()
    {
        // An element a profile constrains in place gets its base type's invariants through
        // BaseTypeInvariantConstraintsValidator, which runs the FhirPathValidator members of the base type's schema.
        var procedure = new Hl7.Fhir.Model.Procedure { Subject = new Hl7.Fhir.Model.ResourceReference("#nothing-contained") };
        var subject = (Hl7.Fhir.Model.PocoNode)Hl7.Fhir.Model.BaseExtensions.ToPocoNode(procedure, Hl7.Fhir.Model.ModelInfo.ModelInspector).Child("subject")!;
        foreach (var engine in new[] { fixture.FirelyOnlyEngine, fixture.Engine })
        {
            var settings = new ValidationSettings(engine.Schemas, new NoTerminology());
            var report = new BaseTypeInvariantConstraintsValidator().Validate(subject, settings, new ValidationState());
            Assert.Contains(report.GetIssues(), i => i.Message.Contains("ref-1", StringComparison.Ordinal));
        }
    }

    private sealed class NoTerminology : Hl7.Fhir.Specification.Terminology.ICodeValidationTerminologyService
    {
        public Task<Hl7.Fhir.Model.Parameters> ValueSetValidateCode(Hl7.Fhir.Model.Parameters parameters, string? id = null, bool useGet = false) =>
            throw new NotSupportedException();

        public Task<Hl7.Fhir.Model.Parameters> Subsumes(Hl7.Fhir.Model.Parameters parameters, string? id = null, bool useGet = false) =>
            throw new NotSupportedException();
    }

    private static void Period(JsonObject procedure, string? start, string? end)
    {
        var period = procedure["performedPeriod"]!.AsObject();
        period.Remove("start");
        period.Remove("end");
        if (start is not null)
        {
            period["start"] = start;
        }
        if (end is not null)
        {
            period["end"] = end;
        }
    }

    private static JsonArray Contained(string id, JsonObject? meta = null)
    {
        var patient = new JsonObject { ["resourceType"] = "Patient", ["id"] = id, ["active"] = true };
        if (meta is not null)
        {
            patient["meta"] = meta;
        }
        return [patient];
    }

    private static IEnumerable<SliceValidator> Slicings(IAssertion assertion) =>
        Flatten(assertion).OfType<SliceValidator>();

    /// <summary>The valueDuration of the first body site's region minutes extension.</summary>
    private static JsonObject RegionMinutes(JsonObject procedure) =>
        ((JsonArray)procedure["bodySite"]![0]!["extension"]!).Select(e => e!.AsObject())
            .First(e => e["url"]!.GetValue<string>().EndsWith("/stm-region-minutes", StringComparison.Ordinal))["valueDuration"]!.AsObject();
}
