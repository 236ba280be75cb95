using CsCheck;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation.FastPath;

namespace StmFhir.Core.Tests.Validation.FastPath;

/// <summary>The fast path's key: a value is only taken for one seen before when Firely could not tell them apart.</summary>
public sealed class CleanElementMemoTests
{
    [Fact]
    public void ValuesThatDifferInTypeValueIdOrDisplayHaveDifferentFingerprints()
    {
        Base[] values =
        [
            new Integer(1), new FhirDecimal(1m), new FhirDecimal(1.0m), new FhirString("1"), new Code("1"), new Id("1"),
            new Coding("http://loinc.org", "72514-3"), new Coding("http://loinc.org", "72514-3", "Pain severity"),
            new Coding("http://loinc.org", "72514-3") { ElementId = "a" }, new Coding("http://snomed.info/sct", "72514-3"),
            new CodeableConcept("http://loinc.org", "72514-3"), new CodeableConcept { Text = "72514-3" },
            new Quantity(90m, "deg"), new Quantity(90.0m, "deg"), new Period(new FhirDateTime("2024-01-01"), null),
            new Period(null, new FhirDateTime("2024-01-01")), new FhirString(""), new FhirString(null),
        ];
        var fingerprints = values.Select(v => CleanElementMemo.Fingerprint(v)).ToList();
        Assert.All(fingerprints, Assert.NotNull);
        Assert.Equal(fingerprints.Count, fingerprints.Distinct().Count());
    }

    [Fact]
    public void ValuesHoldingAReferenceAnExtensionOrAnUnknownElementAreNotRemembered()
    {
        Assert.Null(CleanElementMemo.Fingerprint(new ResourceReference("Patient/1")));
        Assert.Null(CleanElementMemo.Fingerprint(new Identifier("urn:x", "1") { Assigner = new ResourceReference("Organization/1") }));
        var coded = new CodeableConcept("http://loinc.org", "72514-3");
        coded.Coding[0].Extension.Add(new Extension("http://example.org/x", new FhirString("y")));
        Assert.Null(CleanElementMemo.Fingerprint(coded));
        Assert.NotNull(CleanElementMemo.Fingerprint(coded, extensions: true));
        Assert.Null(CleanElementMemo.Fingerprint(new Narrative { Div = "<div/>" }));
    }

    [Fact]
    public void AKeyIsThePrefixFollowedByTheFingerprintWhateverWasBuiltBefore()
    {
        var coding = new Coding("http://loinc.org", "72514-3", "Pain severity");
        var alone = CleanElementMemo.Fingerprint(coding)!;
        Assert.Null(CleanElementMemo.Fingerprint(new Identifier("urn:x", "1") { Assigner = new ResourceReference("Organization/1") }, prefix: "ref|"));
        Assert.Equal("binding3|" + alone, CleanElementMemo.Fingerprint(coding, prefix: "binding3|"));
        Assert.Equal(alone, CleanElementMemo.Fingerprint(coding));
        Assert.Contains("v12:Decimal|90.0", CleanElementMemo.Fingerprint(new Quantity(90.0m, "deg")), StringComparison.Ordinal);
    }

    [Fact]
    public void AFullGenerationStartsAnotherInsteadOfGrowing()
    {
        var memo = new CleanElementMemo(capacity: 3);
        foreach (var key in new[] { "a", "b", "c", "d" })
        {
            memo.RememberClean(key);
        }
        Assert.True(memo.Count <= 3);
        memo.RememberClean("e");
        Assert.True(memo.IsKnownClean("e"));
        Assert.False(memo.IsKnownClean("never remembered"));
    }

    [Fact]
    public void AValueMetAgainSurvivesTheNextGenerationWhileOneOffValuesAreDropped()
    {
        var memo = new CleanElementMemo(capacity: 2);
        memo.RememberClean("code");
        memo.RememberClean("id-1");
        memo.RememberClean("id-2"); // the first generation is full: it becomes the previous one
        Assert.True(memo.IsKnownClean("code")); // found in the previous generation, copied into the current one
        memo.RememberClean("id-3");
        memo.RememberClean("id-4"); // the current generation is full: the first one is dropped
        Assert.True(memo.IsKnownClean("code"));
        Assert.False(memo.IsKnownClean("id-1"));
    }

    [Fact]
    public void AKeyLookedUpAsCharactersIsFoundExactlyAsItsString()
    {
        var memo = new CleanElementMemo(capacity: 2);
        var key = CleanElementMemo.Fingerprint(new Coding("http://loinc.org", "72514-3"), prefix: "binding1|")!;
        memo.RememberClean(key);
        var text = new System.Text.StringBuilder("binding1|");
        Assert.True(CleanElementMemo.AppendFingerprint(text, new Coding("http://loinc.org", "72514-3")));
        Assert.True(memo.IsKnownClean(text.ToString().AsSpan()));
        Assert.False(memo.IsKnownClean(key.AsSpan(0, key.Length - 1)));
        Assert.False(memo.IsKnownClean((key + "}").AsSpan()));
        memo.RememberClean("id-1");
        memo.RememberClean("id-2"); // the first generation is now the previous one
        Assert.True(memo.IsKnownClean(key.AsSpan())); // found there, copied into the current one as a string
        memo.RememberClean("id-3");
        memo.RememberClean("id-4");
        Assert.True(memo.IsKnownClean(key));
    }

    [Fact]
    public void TheFingerprintReadsTheElementsEnumerateElementsGivesInItsOrderOnEverySampleAndGeneratedSession()
    {
        var roots = ValidationSamples.SessionBundleNames.Select(n => (Base)ValidationSamples.SessionBundle(n))
            .Concat(ValidationSamples.InvalidNames.Select(n => ValidationSamples.Invalid(n).Resource).OfType<Base>()).ToList();
        Sessions.StmSessionGen.Session.Sample(s => roots.Add(StmFhir.Core.Mapping.StmBundleMapper.ToBundle(s)), iter: 200, threads: 1);
        // Every type the memo fingerprints, each with an id and an extension; a name with all its elements.
        foreach (var type in CleanElementMemo.ContextFreeTypes)
        {
            var value = (Element)ModelInfo.ModelInspector.FindClassMapping(type)!.CreateInstance();
            value.ElementId = "x";
            value.Extension.Add(new Extension("http://example.org/x", new FhirString("y")) { ElementId = "e" });
            roots.Add(value);
        }
        roots.Add(new HumanName
        {
            ElementId = "n", Use = HumanName.NameUse.Official, Text = "Dr. Ann Lee", Family = "Lee", Given = ["Ann", "B."],
            Prefix = ["Dr."], Suffix = ["MD"], Period = new Period(new FhirDateTime("2020-01-01"), null),
        });
        var checkedTypes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var root in roots)
        {
            var pending = new Stack<Base>([root]);
            while (pending.TryPop(out var value))
            {
                var expected = value.EnumerateElements().ToList();
                if (!value.HasOverflow)
                {
                    var read = PocoElements.Read(value).ToList();
                    Assert.Equal(expected.Select(e => e.Key), read.Select(e => e.Key));
                    Assert.All(expected.Zip(read), p => Assert.Same(p.First.Value, p.Second.Value));
                    checkedTypes.Add(value.TypeName);
                }
                foreach (var (_, child) in expected)
                {
                    foreach (var element in child is System.Collections.IList list ? list.OfType<Base>() : [(Base)child])
                    {
                        pending.Push(element);
                    }
                }
            }
        }
        Assert.Empty(CleanElementMemo.ContextFreeTypes.Append("Extension").Except(checkedTypes));
    }
}
