using System.Diagnostics;
using System.Text;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation;

namespace StmFhir.Core.Tests.Validation.Bounds;

/// <summary>
/// Core invariant dom-3 is checked in linear time (<c>ContainedReferences</c>, the fast path on and off), with
/// exactly the verdict and issues of Firely's own evaluation, which re-walked the resource for each contained
/// resource (a Questionnaire with 400 contained ValueSets of one id took seconds, a 605 KB one minutes).
/// </summary>
[Collection(ValidationCollection.Name)]
public sealed class ContainedReferencesTests(ValidationFixture fixture)
{
    /// <summary>Stands for a contained Basic with id <c>a</c> in <see cref="Shapes"/>.</summary>
    private const string Basic = """{"resourceType":"Basic","id":"a","code":{"text":"x"}}""";

    /// <summary>dom-3's corners: what counts as a reference (and what does not), a contained resource that refers to its container, ids that make Firely's evaluation throw.</summary>
    public static TheoryData<string> Shapes => new()
    {
        """{"resourceType":"Patient","contained":[BASIC]}""",
        """{"resourceType":"Patient","contained":[BASIC],"managingOrganization":{"reference":"#a"}}""",
        """{"resourceType":"Patient","contained":[BASIC],"managingOrganization":{"reference":"#a "}}""",
        """{"resourceType":"Patient","contained":[BASIC],"managingOrganization":{"reference":"#A"}}""",
        """{"resourceType":"Patient","contained":[BASIC],"managingOrganization":{"reference":["#a","#b"]}}""",
        """{"resourceType":"Patient","contained":[BASIC],"managingOrganization":{"reference":3}}""",
        """{"resourceType":"Patient","contained":[BASIC],"managingOrganization":{"extension":[{"url":"http://example.org/x","valueUri":"#a"}]}}""",
        """{"resourceType":"Patient","contained":[BASIC],"managingOrganization":{"extension":[{"url":"http://example.org/x","valueOid":"#a"}]}}""",
        """{"resourceType":"Patient","contained":[BASIC],"managingOrganization":{"extension":[{"url":"http://example.org/x","valueCanonical":"#a"}]}}""",
        """{"resourceType":"Patient","contained":[BASIC],"managingOrganization":{"extension":[{"url":"http://example.org/x","valueUrl":"#a"}]}}""",
        """{"resourceType":"Patient","contained":[BASIC],"managingOrganization":{"extension":[{"url":"http://example.org/x","valueCode":"#a"}]}}""",
        """{"resourceType":"Patient","contained":[BASIC],"extension":[{"url":"#a"}]}""",
        """{"resourceType":"Patient","contained":[BASIC],"implicitRules":"#a"}""",
        """{"resourceType":"Patient","contained":[BASIC],"reference":"#a"}""",
        """{"resourceType":"Patient","contained":[BASIC],"name":[{"reference":"#a"}]}""",
        """{"resourceType":"Patient","contained":[{"resourceType":"Basic","code":{"text":"x"}}],"managingOrganization":{"reference":"#"}}""",
        """{"resourceType":"Patient","contained":[{"resourceType":"Basic","_id":{"extension":[{"url":"http://example.org/x","valueString":"y"}]},"code":{"text":"x"}}],"managingOrganization":{"reference":"#"}}""",
        """{"resourceType":"Patient","contained":[{"resourceType":"Basic","id":"","code":{"text":"x"}}],"managingOrganization":{"reference":"#"}}""",
        """{"resourceType":"Patient","contained":[{"resourceType":"Basic","id":"a","code":{"text":"x"},"author":{"reference":"#"}}]}""",
        """{"resourceType":"Patient","contained":[{"resourceType":"Basic","id":"a","code":{"text":"x"},"author":{"reference":["#","#"]}}]}""",
        """{"resourceType":"Patient","contained":[{"resourceType":"Basic","id":"a","code":{"text":"x"},"extension":[{"url":"http://example.org/x","valueCanonical":"#"}]}]}""",
        """{"resourceType":"Patient","contained":[{"resourceType":"Basic","id":"a","code":{"text":"x"},"extension":[{"url":"http://example.org/x","valueUri":"#"}]}]}""",
        """{"resourceType":"Patient","contained":[{"resourceType":"Basic","id":"a","code":{"text":"x"},"reference":"#"}]}""",
        """{"resourceType":"Patient","contained":[BASIC,{"resourceType":"Basic","id":"b","code":{"text":"x"}}],"managingOrganization":{"reference":"#b"}}""",
        """{"resourceType":"Patient","contained":BASIC,"managingOrganization":{"reference":"#a"}}""",
        Questionnaire(20, sameId: true),
        Questionnaire(20, sameId: false),
    };

    /// <summary>
    /// Contained ids that are no JSON string, which made Firely's evaluation of dom-3 throw: the reader refuses them now
    /// (every id and url is a string), naming the id, so they never reach it.
    /// </summary>
    public static TheoryData<string, string> IdsThatAreNoString => new()
    {
        { """{"resourceType":"Patient","contained":[{"resourceType":"Basic","id":"b","code":{"text":"x"}},{"resourceType":"Basic","id":["a","b"],"code":{"text":"x"}}],"managingOrganization":{"reference":"#b"}}""", "Patient.contained[1].id" },
        { """{"resourceType":"Patient","contained":[BASIC,{"resourceType":"Basic","id":["a","b"],"code":{"text":"x"}}]}""", "Patient.contained[1].id" },
        { """{"resourceType":"Patient","contained":[{"resourceType":"Basic","id":true,"code":{"text":"x"}}],"managingOrganization":{"reference":"#true"}}""", "Patient.contained[0].id" },
    };

    /// <summary>A Questionnaire with <paramref name="copies"/> contained ValueSets, one id for all or one each; an item refers to the first.</summary>
    private static string Questionnaire(int copies, bool sameId)
    {
        var json = new StringBuilder("""{"resourceType":"Questionnaire","status":"active","contained":[""");
        for (var i = 0; i < copies; i++)
        {
            json.Append(i == 0 ? "" : ",").Append($$$"""{"resourceType":"ValueSet","id":"vs{{{(sameId ? "" : i)}}}","status":"active","compose":{"include":[{"system":"http://example.org/cs","concept":[{"code":"a{{{i}}}"}]}]}}""");
        }
        return json.Append("""],"item":[{"linkId":"1","type":"choice","answerValueSet":"#vs"}]}""").ToString();
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void VerdictAndIssuesAreFirelysOwn_FastPathOnAndOff(string json)
    {
        var resource = FhirInput.Parse(Encoding.UTF8.GetBytes(json.Replace("BASIC", Basic, StringComparison.Ordinal))).Resource!;
        List<string> bare;
        try
        {
            bare = [.. new ValidationReport(fixture.Bare.Validate(resource)).Issues.Select(Describe)];
        }
        catch (Hl7.Fhir.Validation.CodedValidationException)
        {
            // A repeated id: Firely 3.6.0 itself throws (UniqueContainedIdValidator reads it as one), and the engine
            // says it could not check the resource.
            Assert.All(new[] { fixture.Engine, fixture.FirelyOnlyEngine }, engine => Assert.Contains(engine.Validate(resource).Issues, i => i.Code == IssueCodes.NotCheckable));
            return;
        }

        foreach (var engine in new[] { fixture.Engine, fixture.FirelyOnlyEngine })
        {
            var engineIssues = engine.Validate(resource).Issues.Where(i => i.Code.StartsWith("FIRELY", StringComparison.Ordinal)).Select(Describe).ToList();
            Assert.True(bare.SequenceEqual(engineIssues), "bare:\n" + string.Join("\n", bare) + "\nengine:\n" + string.Join("\n", engineIssues));
        }
    }

    [Theory]
    [MemberData(nameof(IdsThatAreNoString))]
    public void AContainedIdThatIsNoString_IsRefusedByTheReaderNamingIt(string json, string element)
    {
        var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(json.Replace("BASIC", Basic, StringComparison.Ordinal)));

        Assert.Null(parsed.Resource);
        Assert.Contains(parsed.Issues, i => i.Code == IssueCodes.UnreadableInput && i.IsError && i.Expression == element);
    }

    [Fact]
    public void ManyContainedResourcesOfOneIdTakeLinearTime()
    {
        var small = FhirInput.Parse(Encoding.UTF8.GetBytes(Questionnaire(200, sameId: true))).Resource!;
        var large = FhirInput.Parse(Encoding.UTF8.GetBytes(Questionnaire(1600, sameId: true))).Resource!;
        fixture.Engine.Validate(small);

        var smallTime = Time(() => fixture.Engine.Validate(small));
        var largeTime = Time(() => fixture.Engine.Validate(large));

        // 8 times the input: linear is ~8 times the time, quadratic ~64 (before: 400 copies 2.4 s, a 605 KB body 379 s).
        Assert.True(largeTime < smallTime * 24 + TimeSpan.FromSeconds(1), $"200 copies {smallTime.TotalMilliseconds:0} ms, 1600 copies {largeTime.TotalMilliseconds:0} ms");
    }

    private static TimeSpan Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed;
    }

    private static string Describe(ValidationIssue issue) => $"{issue.Severity} {issue.Code} {issue.Expression} {issue.Message}";
}
