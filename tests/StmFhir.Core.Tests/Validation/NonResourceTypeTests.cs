using System.Text;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation;
using StmFhir.Tests.Shared;

namespace StmFhir.Core.Tests.Validation;

/// <summary>
/// Every name that is not a concrete R4 resource type (each datatype, primitive, abstract, dynamic, backbone and
/// system type of the model, the empty name, an unknown one), wherever a resource can be, is refused with an issue
/// naming the place, before any schema walk: <c>{"resourceType":"Element"}</c> made Firely's validator recurse until
/// the process died, <c>"Resource"</c> and <c>""</c> made the parser throw.
/// </summary>
[Collection(ValidationCollection.Name)]
public sealed class NonResourceTypeTests(ValidationFixture fixture)
{
    public static TheoryData<string> Names => ValidationSamples.AsTheoryData(NonResourceTypeNames.AllNames);

    [Fact]
    public void TheNamesComeFromTheModelAndCoverDatatypesPrimitivesAndAbstractTypes()
    {
        Assert.Contains("Element", NonResourceTypeNames.TypeNames);
        Assert.Contains("Resource", NonResourceTypeNames.TypeNames);
        Assert.Contains("DomainResource", NonResourceTypeNames.TypeNames);
        Assert.Contains("BackboneElement", NonResourceTypeNames.TypeNames);
        Assert.Contains("HumanName", NonResourceTypeNames.TypeNames);
        Assert.Contains("string", NonResourceTypeNames.TypeNames);
        Assert.Contains("", NonResourceTypeNames.TypeNames);
        Assert.Contains("Patient.contact", NonResourceTypeNames.AllNames);
        Assert.DoesNotContain("Patient", NonResourceTypeNames.AllNames);
        Assert.True(NonResourceTypeNames.TypeNames.Count > 60, $"only {NonResourceTypeNames.TypeNames.Count} names");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ReaderRefusesTheNameAtEveryPlaceOfAResource_NamingThePlace_JsonAndXml(string name)
    {
        foreach (var (template, path) in NonResourceTypeNames.JsonPlaces)
        {
            var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(NonResourceTypeNames.Fill(template, name)));
            Assert.Null(parsed.Resource);
            Assert.Contains(parsed.Issues, i => i.Code == IssueCodes.UnreadableInput && i.IsError && i.Expression == path && i.Message.StartsWith("resourceType", StringComparison.Ordinal));
        }
        if (name.Length == 0)
        {
            return; // no XML element has an empty name
        }
        foreach (var (template, path) in NonResourceTypeNames.XmlPlaces)
        {
            var parsed = FhirInput.Parse(Encoding.UTF8.GetBytes(NonResourceTypeNames.Fill(template, name)));
            Assert.Null(parsed.Resource);
            Assert.Contains(parsed.Issues, i => i.Code == IssueCodes.UnreadableInput && i.IsError && i.Expression == path && i.Message.Contains(name, StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void EngineRefusesABuiltResourceClaimingTheName_FastPathOnAndOff(string name)
    {
        foreach (var engine in new[] { fixture.Engine, fixture.FirelyOnlyEngine })
        {
            foreach (var (resource, path) in Placed(name))
            {
                var report = engine.Validate(resource);
                var issue = Assert.Single(report.Issues);
                Assert.Equal((IssueCodes.UnreadableInput, OperationOutcome.IssueSeverity.Error, path), (issue.Code, issue.Severity, issue.Expression));
            }
        }
    }

    /// <summary>A resource claiming <paramref name="name"/> (a <see cref="DynamicResource"/>, as built in code) at each place, with that place's path.</summary>
    private static IEnumerable<(Resource Resource, string? Path)> Placed(string name)
    {
        DynamicResource Claiming() => new() { DynamicTypeName = name };
        yield return (Claiming(), null);
        yield return (new Patient { Contained = [Claiming()] }, "Patient.contained[0]");
        yield return (new Bundle { Type = Bundle.BundleType.Collection, Entry = [new() { Resource = Claiming() }] }, "Bundle.entry[0].resource");
        yield return (new Bundle { Type = Bundle.BundleType.BatchResponse, Entry = [new() { Response = new() { Status = "200", Outcome = Claiming() } }] }, "Bundle.entry[0].response.outcome");
        yield return (new Parameters { Parameter = [new() { Name = "p", Part = [new() { Name = "q", Resource = Claiming() }] }] }, "Parameters.parameter[0].part[0].resource");
        yield return (new Bundle { Type = Bundle.BundleType.Collection, Entry = [new() { Resource = new Patient { Contained = [Claiming()] } }] }, "Bundle.entry[0].resource.contained[0]");
    }
}
