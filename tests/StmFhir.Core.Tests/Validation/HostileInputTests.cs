using System.Text;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation;

namespace StmFhir.Core.Tests.Validation;

/// <summary>
/// Inputs that made the reader or the engine throw (each from the hostile-input run or the FHIR community's validator
/// tests): read and validated, with the fast path on and off, each ends as issues naming the element, never an exception.
/// </summary>
[Collection(ValidationCollection.Name)]
public sealed class HostileInputTests(ValidationFixture fixture)
{
    /// <summary>Input the reader refuses, and the element its issue names (null: the root).</summary>
    public static TheoryData<string, string?> Refused => new()
    {
        { """{"resourceType":"Patient","name":[{"given":["a"],"_given":[{"id":"test"},null]}]}""", "Patient.name[0].given" },
        { """{"resourceType":"Patient","name":[{"given":["a",null]}]}""", "Patient.name[0].given[1]" },
        { """{"resourceType":"Patient","name":[{"given":["a",null],"_given":[{"id":"x"},null]}]}""", "Patient.name[0].given[1]" },
        { """{"resourceType":"Patient","name":[{"given":["a","b"],"_given":[{"id":"x"}]}]}""", "Patient.name[0].given" },
        { """{"resourceType":"Patient","name":[null]}""", "Patient.name[0]" },
        { """{"resourceType":"Patient","contained":[null]}""", "Patient.contained[0]" },
        { """{"resourceType":"Patient","identifier":[{"value":"1"},null]}""", "Patient.identifier[1]" },
        { """{"resourceType":"Patient","_birthDate":[null]}""", "Patient.birthDate[0]" },
        { """{"resourceType":"Patient","":"x"}""", "Patient" },
        { """{"resourceType":"Patient","name":[{"":"x"}]}""", "Patient.name[0]" },
        { """{"resourceType":"Resource"}""", null },
        { """{"resourceType":3}""", null },
        { """{"resourceType":"Patient","contained":[{"resourceType":["Patient"]}]}""", "Patient.contained[0]" },
        { """[{"resourceType":"Patient"}]""", null },
        // Kept (and validated) until the reader learnt that every id and url is a JSON string.
        { """{"resourceType":"Patient","extension":[{"url":3,"valueString":"y"}]}""", "Patient.extension[0].url" },
    };

    /// <summary>Input the reader keeps (wrong values syntax-only parsing reads) that made the engine throw.</summary>
    public static TheoryData<string> Kept => new()
    {
        """{"resourceType":"Patient","managingOrganization":{"reference":3}}""",
        """{"resourceType":"Patient","meta":{"profile":[3]}}""",
        """{"resourceType":"Bundle","type":"collection","entry":{"resource":{"resourceType":"Patient"}}}""",
        """{"resourceType":"Bundle","type":"collection","entry":[{"resource":[{"resourceType":"Patient"}]}]}""",
        """{"resourceType":"Patient","name":{"family":"x"}}""",
        """{"resourceType":"Patient","name":[{"family":3}]}""",
        """{"resourceType":"Patient","gender":{"a":1}}""",
        """{"resourceType":"Patient","name":[{"given":["a",null],"_given":[null,{"id":"x"}]}]}""",
        """{"resourceType":"Patient","name":[null],"_name":[{"id":"x"}]}""",
        """{"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":"abc"}}""",
        """{"resourceType":"Parameters","parameter":{"name":"x","resource":{"resourceType":"Patient","name":{"family":3}}}}""",
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void ReaderRefusesWithAnIssueNamingTheElement(string json, string? element)
    {
        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Null(parsed.Resource);
        Assert.Contains(parsed.Issues, i => i.Code == IssueCodes.UnreadableInput && i.IsError && i.Expression == element);
    }

    [Theory]
    [MemberData(nameof(Kept))]
    public void EngineReportsWhatTheReaderKept_WithoutThrowing_FastPathOnAndOff(string json)
    {
        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(json));
        Assert.NotNull(parsed.Resource);

        var reports = new[] { fixture.Engine, fixture.FirelyOnlyEngine }.Select(engine => engine.Validate(parsed.Resource)).ToList();

        // Each threw before; the verdicts are Firely's (ReadableButWrongInputTests), the same with the fast path on and off.
        Assert.Equal(reports[0].Issues, reports[1].Issues);
        Assert.DoesNotContain(reports[0].Issues, i => i.Code == IssueCodes.NotCheckable);
    }

    [Fact]
    public void ParserFailureOnAnAbstractChoiceTypeIsAnIssueAtItsPlace_NotAnException()
    {
        var parsed = FhirInput.Parse("""{"resourceType":"Patient","extension":[{"url":"http://example.org/x","valueElement":{}}]}"""u8);

        Assert.Null(parsed.Resource);
        var issue = Assert.Single(parsed.Issues);
        Assert.Equal(IssueCodes.NotCheckable, issue.Code);
        Assert.Contains("line 1, position", issue.Message);
    }

    [Fact]
    public void WhateverFirelyThrowsOnAnInstanceIsNotCheckable_FastPathOnAndOff()
    {
        // No reader makes a null item in a list (it refuses the JSON); built in code it still reaches Firely, whose
        // ele-1 check throws on it (PocoNode.Children). The engine's last resort turns that into an issue.
        var patient = new Patient { Name = [new HumanName { Family = "x" }, null!] };

        foreach (var engine in new[] { fixture.Engine, fixture.FirelyOnlyEngine })
        {
            var report = engine.Validate(patient);
            Assert.Contains(report.Issues, i => i.Code == IssueCodes.NotCheckable && i.IsError);
        }
    }

    [Fact]
    public void ThousandsOfMisplacedNullsAreCheckedInLinearTimeAndReportedAsAHundredAndACount()
    {
        // 40,000 arrays of one object, each a null with no partner: a pairwise search of the object's arrays would
        // compare 1.6 billion pairs; one issue each would be a 40,000-issue answer.
        var json = "{\"resourceType\":\"Patient\"," + string.Join(",", Enumerable.Range(0, 40_000).Select(i => $"\"_x{i}\":[null]")) + "}";
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(json));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{clock.ElapsedMilliseconds} ms");
        Assert.Null(parsed.Resource);
        Assert.Equal(101, parsed.Issues.Count);
        Assert.Contains("and 39900 more", parsed.Issues[^1].Message);
    }

    [Fact]
    public void ALongBadValueIsQuotedShortenedWithItsLength()
    {
        var value = new string('9', 4_000_000);
        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes("{\"resourceType\":\"Patient\",\"birthDate\":\"" + value + "\"}"), new FhirReadOptions { Strict = true });

        Assert.NotEmpty(parsed.Issues);
        Assert.All(parsed.Issues, i => Assert.True(i.Message.Length < 500, $"{i.Message.Length} characters"));
        Assert.Contains(parsed.Issues, i => i.Message.Contains("(4000000 characters)", StringComparison.Ordinal));
    }
}
