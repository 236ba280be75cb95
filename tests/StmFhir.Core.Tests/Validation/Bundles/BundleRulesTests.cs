using System.Text;
using System.Text.Json.Nodes;
using StmFhir.Core.Validation;
using StmFhir.Core.Validation.Bundles;

namespace StmFhir.Core.Tests.Validation.Bundles;

/// <summary>
/// The Bundle rules (STM-BDL-001..006) on Bundles read as the engine reads them (<see cref="FhirInput"/>): each rule
/// where the FHIR R4 Bundle page says, and nothing on what it allows.
/// </summary>
public sealed class BundleRulesTests
{
    private const string Base = "https://example.org/fhir/";

    internal static List<string> Issues(JsonObject bundle)
    {
        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(bundle.ToJsonString()));
        Assert.NotNull(parsed.Resource);
        return [.. BundleRules.Check(parsed.Resource!).Select(i => $"{i.Code} {i.Expression}")];
    }

    internal static JsonObject Bundle(string type, params JsonObject[] entries) =>
        new() { ["resourceType"] = "Bundle", ["type"] = type, ["entry"] = new JsonArray([.. entries]) };

    internal static JsonObject Entry(string? fullUrl, JsonObject? resource)
    {
        var entry = new JsonObject();
        if (fullUrl is not null)
        {
            entry["fullUrl"] = fullUrl;
        }
        if (resource is not null)
        {
            entry["resource"] = resource;
        }
        return entry;
    }

    internal static JsonObject Patient(string? id = null, string? versionId = null)
    {
        var patient = new JsonObject { ["resourceType"] = "Patient", ["active"] = true };
        if (id is not null)
        {
            patient["id"] = id;
        }
        if (versionId is not null)
        {
            patient["meta"] = new JsonObject { ["versionId"] = versionId };
        }
        return patient;
    }

    [Theory]
    [InlineData("Patient/1", "STM-BDL-001")]
    [InlineData("/Patient/1", "STM-BDL-001")]
    [InlineData("1", "STM-BDL-001")]
    [InlineData("http:/example.org/fhir/Patient/1", "STM-BDL-001")]
    [InlineData("https:example.org/fhir/Patient/1", "STM-BDL-001")]
    [InlineData("https://example.org/fhir/Patient/1", null)]
    [InlineData("HTTPS://example.org/fhir/Patient/1", null)]
    [InlineData("urn:uuid:0b8f3c1e-5d2a-4c6e-9f7a-1e2d3c4b5a69", null)]
    [InlineData("urn:oid:1.2.840.113619.2.1", null)]
    [InlineData("urn:isbn:0451450523", null)]
    [InlineData("urn:uuid:not-a-uuid", null)] // not a URI by Firely's reading: FIRELY-1006, not a second issue
    public void AFullUrlMustBeAnAbsoluteUrl(string fullUrl, string? code)
    {
        var issues = Issues(Bundle("collection", Entry(fullUrl, Patient("1"))));

        Assert.Equal(code is null ? [] : [$"{code} Bundle.entry[0].fullUrl"], issues);
    }

    [Theory]
    [InlineData(Base + "Patient/1", "Patient", "1", null)]
    [InlineData(Base + "Patient/1", "Patient", "2", "STM-BDL-002")]
    [InlineData(Base + "Patient/1", "Practitioner", "1", "STM-BDL-002")]
    [InlineData(Base + "Patient/1", "Patient", null, "STM-BDL-002")]
    [InlineData(Base + "Patient/a", "Patient", "A", "STM-BDL-002")]
    [InlineData("http://127.0.0.1:8080/fhir/Patient/1", "Patient", "1", null)]
    [InlineData(Base + "Patient/1/_history/2", "Patient", "2", null)] // a version in the full URL is bdl-8's (Firely)
    [InlineData("https://example.org/people/abc", "Patient", "1", null)] // not a RESTful URL: no id to agree with
    [InlineData("https://example.org/fhir/Patient/1?x=y", "Patient", "2", null)]
    [InlineData("urn:uuid:0b8f3c1e-5d2a-4c6e-9f7a-1e2d3c4b5a69", "Patient", "1", null)] // "if the fullUrl is not a urn:uuid"
    public void ARestfulFullUrlMustEndWithItsResourcesTypeAndId(string fullUrl, string type, string? id, string? code)
    {
        var resource = new JsonObject { ["resourceType"] = type };
        if (id is not null)
        {
            resource["id"] = id;
        }

        var issues = Issues(Bundle("collection", Entry(fullUrl, resource)));

        Assert.Equal(code is null ? [] : [$"{code} Bundle.entry[0].fullUrl"], issues);
    }

    [Fact]
    public void APagingRelationGivenTwiceIsReportedAtItsRepeat_OtherRelationsMayRepeat()
    {
        var bundle = Bundle("searchset", Entry(Base + "Patient/1", Patient("1")));
        bundle["link"] = new JsonArray(
            new JsonObject { ["relation"] = "self", ["url"] = Base + "Patient" },
            new JsonObject { ["relation"] = "next", ["url"] = Base + "Patient?page=2" },
            new JsonObject { ["relation"] = "alternate", ["url"] = Base + "Patient?_format=xml" },
            new JsonObject { ["relation"] = "alternate", ["url"] = Base + "Patient?_format=json" },
            new JsonObject { ["relation"] = "next", ["url"] = Base + "Patient?page=3" },
            new JsonObject { ["relation"] = "previous", ["url"] = Base + "Patient?page=0" },
            new JsonObject { ["relation"] = "self", ["url"] = Base + "Patient" });

        Assert.Equal(["STM-BDL-003 Bundle.link[4].relation", "STM-BDL-003 Bundle.link[6].relation"], Issues(bundle));
    }

    [Theory]
    [InlineData(null, null, "STM-BDL-004")]
    [InlineData("1", "1", "STM-BDL-004")]
    [InlineData("1", "2", null)]
    [InlineData("1", null, null)]
    public void AFullUrlIsUniqueUnlessTheVersionsDiffer(string? firstVersion, string? secondVersion, string? code)
    {
        var bundle = Bundle("collection", Entry(Base + "Patient/1", Patient("1", firstVersion)), Entry(Base + "Patient/1", Patient("1", secondVersion)));

        Assert.Equal(code is null ? [] : [$"{code} Bundle.entry[1].fullUrl"], Issues(bundle));
    }

    [Fact]
    public void EntriesWhoseFullUrlAndVersionConcatenateAlikeAreDistinct()
    {
        // bdl-7's expression joins them: ".../Patient/1" & "2" and ".../Patient/12" & "" are one string.
        var bundle = Bundle("collection", Entry(Base + "Patient/1", Patient("1", "2")), Entry(Base + "Patient/12", Patient("12")));

        Assert.Empty(Issues(bundle));
    }

    [Fact]
    public void FullUrlsDifferingInCaseOnlyAreDistinct_AndAHistoryRepeatsThem()
    {
        Assert.Empty(Issues(Bundle("collection", Entry(Base + "Patient/a", Patient("a")), Entry(Base + "Patient/A", Patient("A")))));
        var history = Bundle("history", Entry(Base + "Patient/1", Patient("1", "2")), Entry(Base + "Patient/1", Patient("1", "2")));
        foreach (var entry in history["entry"]!.AsArray())
        {
            entry!["request"] = new JsonObject { ["method"] = "PUT", ["url"] = "Patient/1" };
            entry["response"] = new JsonObject { ["status"] = "200 OK" };
        }
        Assert.Empty(Issues(history));
    }
}
