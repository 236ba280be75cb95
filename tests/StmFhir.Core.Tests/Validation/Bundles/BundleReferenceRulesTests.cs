using System.Text.Json.Nodes;
using CsCheck;
using StmFhir.Core.Mapping;
using StmFhir.Core.Tests.Sessions;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Bundles;
using static StmFhir.Core.Tests.Validation.Bundles.BundleRulesTests;

namespace StmFhir.Core.Tests.Validation.Bundles;

/// <summary>
/// STM-BDL-005 (references a transaction or a document must resolve within it, by the Bundle page's "Resolving
/// references in Bundles") and STM-BDL-006 (a transaction changing one resource twice), and that what the mapper
/// makes of any session passes every Bundle rule.
/// </summary>
public sealed class BundleReferenceRulesTests
{
    private const string Base = "https://example.org/fhir/";
    private const string PatientUrn = "urn:uuid:0b8f3c1e-5d2a-4c6e-9f7a-1e2d3c4b5a69";
    private const string ElsewhereUrn = "urn:uuid:5f0e2a3b-8c1d-4e7f-9a6b-2c3d4e5f6a7b";

    private static JsonObject Observation(string subject) => new()
    {
        ["resourceType"] = "Observation",
        ["status"] = "final",
        ["code"] = new JsonObject { ["text"] = "pain" },
        ["subject"] = new JsonObject { ["reference"] = subject },
    };

    private static JsonObject Transaction(JsonObject observation, string type = "transaction")
    {
        var bundle = Bundle(type, Entry(PatientUrn, Patient()), Entry("urn:uuid:7d1f0c52-3b8e-4a41-9c6d-2e8f4a7b9c10", observation));
        bundle["entry"]![0]!["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Patient" };
        bundle["entry"]![1]!["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Observation" };
        return bundle;
    }

    [Theory]
    [InlineData(PatientUrn, null)]
    [InlineData(ElsewhereUrn, "STM-BDL-005 Bundle.entry[1].resource.subject.reference")]
    [InlineData("urn:oid:1.2.3.4", "STM-BDL-005 Bundle.entry[1].resource.subject.reference")]
    [InlineData("Patient/123", null)] // a resource on the server
    [InlineData(Base + "Patient/123", null)]
    public void ATransactionsUrnReferenceMustNameAnEntry(string reference, string? issue)
    {
        Assert.Equal(issue is null ? [] : [issue], Issues(Transaction(Observation(reference))));
    }

    [Fact]
    public void UrnReferencesAreFoundInContainedResourcesExtensionsAndChoices_ButNotInABatchOrANestedBundle()
    {
        var observation = Observation(PatientUrn);
        observation["contained"] = new JsonArray(new JsonObject
        {
            ["resourceType"] = "Provenance",
            ["id"] = "p1",
            ["recorded"] = "2026-03-12T17:10:00+02:00",
            ["target"] = new JsonArray(new JsonObject { ["reference"] = ElsewhereUrn }),
            ["agent"] = new JsonArray(new JsonObject { ["who"] = new JsonObject { ["reference"] = PatientUrn } }),
        });
        observation["extension"] = new JsonArray(new JsonObject { ["url"] = "http://example.org/x", ["valueReference"] = new JsonObject { ["reference"] = ElsewhereUrn } });
        observation["focus"] = new JsonArray(new JsonObject { ["identifier"] = new JsonObject { ["assigner"] = new JsonObject { ["reference"] = ElsewhereUrn } } });

        Assert.Equal(
            ["STM-BDL-005 Bundle.entry[1].resource.contained[0].target[0].reference",
             "STM-BDL-005 Bundle.entry[1].resource.extension[0].valueReference.reference",
             "STM-BDL-005 Bundle.entry[1].resource.focus[0].identifier.assigner.reference"],
            Issues(Transaction((JsonObject)observation.DeepClone())).Order(StringComparer.Ordinal));
        Assert.Empty(Issues(Transaction((JsonObject)observation.DeepClone(), "batch")));

        var nested = Transaction(Observation(PatientUrn));
        nested["entry"]!.AsArray().Add(new JsonObject
        {
            ["fullUrl"] = "urn:uuid:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
            ["resource"] = Transaction(Observation(ElsewhereUrn), "collection"),
            ["request"] = new JsonObject { ["method"] = "POST", ["url"] = "Bundle" },
        });
        Assert.Empty(Issues(nested));
    }

    private static JsonObject Document(string compositionFullUrl, JsonObject composition, params JsonObject[] others)
    {
        var bundle = Bundle("document", [Entry(compositionFullUrl, composition), .. others]);
        bundle["identifier"] = new JsonObject { ["system"] = "urn:ietf:rfc:3986", ["value"] = "urn:uuid:3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f" };
        bundle["timestamp"] = "2026-03-14T10:31:00+01:00";
        return bundle;
    }

    private static JsonObject Composition(string subject) => new()
    {
        ["resourceType"] = "Composition",
        ["id"] = "c1",
        ["status"] = "final",
        ["type"] = new JsonObject { ["text"] = "summary" },
        ["subject"] = new JsonObject { ["reference"] = subject },
        ["date"] = "2026-03-14",
        ["author"] = new JsonArray(new JsonObject { ["display"] = "Dr. A" }),
        ["title"] = "summary",
    };

    [Theory]
    [InlineData(Base + "Composition/c1", "Patient/1", null)] // made absolute against the RESTful fullUrl's base
    [InlineData(Base + "Composition/c1", Base + "Patient/1", null)]
    [InlineData(Base + "Composition/c1", "Patient/1/_history/3", null)]
    [InlineData(Base + "Composition/c1", "Patient/1/_history/2", "STM-BDL-005")] // the entry holds version 3
    [InlineData(Base + "Composition/c1", "Patient/2", "STM-BDL-005")]
    [InlineData(Base + "Composition/c1", "https://elsewhere.org/fhir/Patient/1", "STM-BDL-005")]
    [InlineData(Base + "Composition/c1", "#p1", null)] // contained: ref-1 and dom-3 are Firely's
    [InlineData("urn:uuid:9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", "Patient/1", "STM-BDL-005")] // no RESTful base to resolve against
    [InlineData("urn:uuid:9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b", Base + "Patient/1", null)]
    public void TheCompositionsSubjectMustBeInTheDocument(string compositionFullUrl, string subject, string? code)
    {
        var bundle = Document(compositionFullUrl, Composition(subject), Entry(Base + "Patient/1", Patient("1", "3")));

        Assert.Equal(code is null ? [] : [$"{code} Bundle.entry[0].resource.subject.reference"], Issues(bundle));
    }

    [Fact]
    public void EveryReferenceOfTheCompositionIsResolved_ButNotRelatesToNorOtherEntriesReferences()
    {
        var composition = Composition(Base + "Patient/1");
        composition["author"] = new JsonArray(new JsonObject { ["reference"] = "Practitioner/9" }, new JsonObject { ["display"] = "Dr. B" });
        composition["encounter"] = new JsonObject { ["reference"] = "Encounter/9" };
        composition["custodian"] = new JsonObject { ["reference"] = "Organization/9" };
        composition["attester"] = new JsonArray(new JsonObject { ["mode"] = "legal", ["party"] = new JsonObject { ["reference"] = "Practitioner/9" } });
        composition["event"] = new JsonArray(new JsonObject { ["detail"] = new JsonArray(new JsonObject { ["reference"] = "Procedure/9" }) });
        composition["relatesTo"] = new JsonArray(new JsonObject { ["code"] = "replaces", ["targetReference"] = new JsonObject { ["reference"] = "Composition/0" } });
        composition["section"] = new JsonArray(new JsonObject
        {
            ["title"] = "s",
            ["author"] = new JsonArray(new JsonObject { ["reference"] = "Practitioner/9" }),
            ["focus"] = new JsonObject { ["reference"] = "Patient/1" },
            ["section"] = new JsonArray(new JsonObject { ["title"] = "t", ["entry"] = new JsonArray(new JsonObject { ["reference"] = "Observation/9" }) }),
        });
        var observation = Observation("Patient/404");
        observation["id"] = "2";

        var issues = Issues(Document(Base + "Composition/c1", composition, Entry(Base + "Patient/1", Patient("1")), Entry(Base + "Observation/2", observation)));

        Assert.Equal(
            new[] { "author[0]", "section[0].author[0]", "section[0].section[0].entry[0]", "attester[0].party", "custodian", "encounter", "event[0].detail[0]" }
                .Select(p => $"STM-BDL-005 Bundle.entry[0].resource.{p}.reference").Order(StringComparer.Ordinal),
            issues.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("PUT", "Patient/1", "PUT", "Patient/1", true)]
    [InlineData("PUT", "Patient/1", "DELETE", "Patient/1", true)]
    [InlineData("PATCH", "Patient/1", "PUT", "/Patient/1", true)]
    [InlineData("PUT", "Patient/1", "PUT", "Patient/2", false)]
    [InlineData("PUT", "Patient/1", "PUT", "Practitioner/1", false)]
    [InlineData("POST", "Patient", "POST", "Patient", false)]
    [InlineData("PUT", "Patient?identifier=x|1", "PUT", "Patient?identifier=x|1", false)] // conditional: the server resolves it
    [InlineData("GET", "Patient/1", "PUT", "Patient/1", false)] // a read is step 4, after the writes
    public void ATransactionChangesEachResourceInOneEntry(string firstMethod, string firstUrl, string secondMethod, string secondUrl, bool overlap)
    {
        static JsonObject Request(string method, string url) => new()
        {
            ["request"] = new JsonObject { ["method"] = method, ["url"] = url },
        };
        var bundle = new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "transaction",
            ["entry"] = new JsonArray(Request(firstMethod, firstUrl), Request(secondMethod, secondUrl)),
        };

        Assert.Equal(overlap ? ["STM-BDL-006 Bundle.entry[1].request.url"] : [], Issues(bundle));
        bundle["type"] = "batch";
        Assert.Empty(Issues(bundle));
    }

    [Fact]
    public void WhatTheMapperMakesOfAnySessionPassesEveryBundleRule()
    {
        StmSessionGen.Session.Sample(session => Assert.Empty(BundleRules.Check(StmBundleMapper.ToBundle(session))), iter: 200);
    }

    [Theory]
    [InlineData("""{"resourceType":"Bundle","type":"transaction","entry":{"fullUrl":"Patient/1","resource":{"resourceType":"Patient"}}}""")]
    [InlineData("""{"resourceType":"Bundle","type":["document","transaction"],"entry":[{"fullUrl":["a","b"]}]}""")]
    [InlineData("""{"resourceType":"Bundle","type":"document","entry":[{"resource":{"resourceType":"Composition","subject":[{"reference":"x"},{"reference":"y"}],"section":{"entry":{"reference":7}}}}]}""")]
    [InlineData("""{"resourceType":"Bundle","type":"transaction","link":[{"relation":["next","next"]},{"url":"x"}],"entry":[{"resource":{"resourceType":"Observation","subject":{"reference":["urn:uuid:x","urn:uuid:y"]}},"request":{"method":["PUT","PUT"],"url":"Observation/1"}}]}""")]
    public void ShapesSyntaxOnlyParsingKeepsAreReadWithoutThrowing(string json)
    {
        var parsed = FhirInput.Parse(System.Text.Encoding.UTF8.GetBytes(json));

        Assert.NotNull(parsed.Resource);
        var issues = BundleRules.Check(parsed.Resource!);
        Assert.All(issues, i => Assert.StartsWith("Bundle.", i.Expression, StringComparison.Ordinal));
    }
}
