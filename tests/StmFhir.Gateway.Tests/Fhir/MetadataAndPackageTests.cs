using System.Net;
using Hl7.Fhir.Model;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>The CapabilityStatement and the StmFhir package served as resources, both open without a credential.</summary>
public sealed class MetadataAndPackageTests(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    private readonly HttpClient _anonymous = factory.CreateClient();

    [Fact]
    public async Task Metadata_DescribesResourcesInteractionsSearchParametersProfilesAndValidate()
    {
        var response = await _anonymous.GetAsync("/fhir/metadata");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var statement = await response.ReadFhirAsync<CapabilityStatement>();
        Assert.Equal(FHIRVersion.N4_0_1, statement.FhirVersion);
        var rest = Assert.Single(statement.Rest);
        Assert.Contains(rest.Interaction, i => i.Code == CapabilityStatement.SystemRestfulInteraction.Transaction);
        Assert.Contains(rest.Operation, o => o.Name == "validate");
        foreach (var type in new[] { "Patient", "Practitioner", "Procedure", "Observation", "RiskAssessment", "Condition" })
        {
            var resource = Assert.Single(rest.Resource, r => r.Type == type);
            Assert.Contains(resource.Interaction, i => i.Code == CapabilityStatement.TypeRestfulInteraction.Vread);
            Assert.Contains(resource.Interaction, i => i.Code == CapabilityStatement.TypeRestfulInteraction.HistoryType);
            Assert.True(resource.ConditionalUpdate);
            Assert.Contains(resource.SearchParam, p => p.Name == "identifier");
            Assert.NotEmpty(resource.SupportedProfile);
        }
        var procedure = rest.Resource.Single(r => r.Type == "Procedure");
        Assert.Equal(["_id", "_lastUpdated", "identifier", "code", "subject", "patient", "date", "part-of", "status", "performer"], procedure.SearchParam.Select(p => p.Name));
        Assert.Equal(["Procedure:subject", "Procedure:patient", "Procedure:part-of", "Procedure:performer"], procedure.SearchInclude);
        Assert.Contains("Observation:part-of", procedure.SearchRevInclude);
        Assert.Contains("RiskAssessment:parent", procedure.SearchRevInclude);
        Assert.Contains("http://stmfhir.org/fhir/StructureDefinition/stm-procedure", procedure.SupportedProfile);
    }

    [Fact]
    public async Task Profile_IsReadableBySearchOnItsUrlAndById()
    {
        var search = await (await _anonymous.GetAsync("/fhir/StructureDefinition?url=http://stmfhir.org/fhir/StructureDefinition/stm-pain-score"))
            .ReadFhirAsync<Bundle>();
        var profile = Assert.IsType<StructureDefinition>(Assert.Single(search.Entry).Resource);

        var read = await _anonymous.GetAsync($"/fhir/StructureDefinition/{profile.Id}");

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("Observation", (await read.ReadFhirAsync<StructureDefinition>()).Type);
    }

    [Theory]
    [InlineData("ValueSet")]
    [InlineData("CodeSystem")]
    [InlineData("ImplementationGuide")]
    public async Task TerminologyAndGuide_AreServed(string type)
    {
        var bundle = await (await _anonymous.GetAsync($"/fhir/{type}")).ReadFhirAsync<Bundle>();

        Assert.True(bundle.Total > 0);
        Assert.All(bundle.Entry, e => Assert.Equal(type, e.Resource!.TypeName));
    }

    [Fact]
    public async Task UnknownConformanceResource_Is404AndUnknownParameter400()
    {
        await (await _anonymous.GetAsync("/fhir/ValueSet/nope")).AssertOutcomeAsync(HttpStatusCode.NotFound);
        await (await _anonymous.GetAsync("/fhir/ValueSet?title=x")).AssertOutcomeAsync(HttpStatusCode.BadRequest);
    }
}
