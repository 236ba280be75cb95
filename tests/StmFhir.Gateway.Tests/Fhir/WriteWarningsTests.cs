using System.Net;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Fhir;

/// <summary>
/// Accepted FHIR writes carry the validator's warnings: create and update as an OperationOutcome when the client asks
/// with <c>Prefer: return=OperationOutcome</c>, transaction and batch entries in <c>response.outcome</c>.
/// </summary>
public sealed class WriteWarningsTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new();
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _factory.ClientWithKey();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    /// <summary>An elbow flexion of 168 degrees: beyond the normal 0-150 and its tolerance (STM-CLIN-005), still possible.</summary>
    private static Observation ElbowFlexion(string id) => new()
    {
        Id = id,
        Status = ObservationStatus.Final,
        Code = new CodeableConcept("http://snomed.info/sct", "364564000", "Range of joint movement"),
        BodySite = new CodeableConcept("http://snomed.info/sct", "127949000", "Elbow region structure"),
        Component = [new Observation.ComponentComponent
        {
            Code = new CodeableConcept("http://stmfhir.org/fhir/CodeSystem/stm-rom-component", "movement"),
            Value = new CodeableConcept("http://snomed.info/sct", "9964006", "Flexion"),
        }],
        Value = new Quantity(168, "deg", "http://unitsofmeasure.org") { Unit = "deg" },
    };

    [Fact]
    public async Task Put_WithPreferReturnOperationOutcome_Is201WithTheWarningAndTheUsualHeaders()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/fhir/Observation/rom-168") { Content = Http.Fhir(ElbowFlexion("rom-168")) };
        request.Headers.TryAddWithoutValidation("Prefer", "return=OperationOutcome");

        var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.EndsWith("/fhir/Observation/rom-168/_history/1", response.Headers.Location!.ToString());
        Assert.Equal("W/\"1\"", response.Headers.ETag?.ToString());
        var outcome = await response.ReadFhirAsync<OperationOutcome>();
        var issue = Assert.Single(outcome.Issue, i => i.Details?.Coding.FirstOrDefault()?.Code == "STM-CLIN-005");
        Assert.Equal(OperationOutcome.IssueSeverity.Warning, issue.Severity);
        Assert.Equal(["Observation.valueQuantity.value"], issue.Expression);
    }

    [Fact]
    public async Task Post_WithoutPrefer_AnswersTheStoredResource_AndWithPreferAResourceWithoutIssuesGetsAnInformationIssue()
    {
        var plain = await _client.PostAsync("/fhir/Observation", Http.Fhir(ElbowFlexion("rom-plain")));
        Assert.Equal(HttpStatusCode.Created, plain.StatusCode);
        Assert.Equal(168m, ((Quantity)(await plain.ReadFhirAsync<Observation>()).Value!).Value);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/Patient")
        {
            Content = Http.Fhir(new Patient { Identifier = [new Identifier("https://example-hospital.org/mrn", "WW-1")] }),
        };
        request.Headers.TryAddWithoutValidation("Prefer", "return=OperationOutcome");
        var outcome = await (await _client.SendAsync(request)).ReadFhirAsync<OperationOutcome>();
        var only = Assert.Single(outcome.Issue);
        Assert.Equal(OperationOutcome.IssueSeverity.Information, only.Severity);
    }

    [Fact]
    public async Task Transaction_OfASessionWithPetechiae_PutsTheWarningInTheProcedureEntrysOutcome()
    {
        var bundle = StmBundleMapper.ToBundle(StmSessionReader.Read(File.ReadAllBytes(RepoRoot.Combine("samples", "sessions", "08-de-quervain-petechiae.json"))).Session!);
        var procedureIndex = bundle.Entry.FindIndex(e => e.Resource is Procedure);

        var response = await (await _client.PostAsync("/fhir", Http.Fhir(bundle))).ReadFhirAsync<Bundle>();

        Assert.Equal(bundle.Entry.Count, response.Entry.Count);
        var outcome = Assert.IsType<OperationOutcome>(response.Entry[procedureIndex].Response!.Outcome);
        var issue = Assert.Single(outcome.Issue, i => i.Details?.Coding.FirstOrDefault()?.Code == "STM-CLIN-008");
        Assert.Equal([$"Bundle.entry[{procedureIndex}].resource.complication[0]"], issue.Expression);
        Assert.All(response.Entry.Where((_, i) => i != procedureIndex).Select(e => e.Response!.Outcome as OperationOutcome),
            o => Assert.DoesNotContain(o?.Issue ?? [], i => i.Details?.Coding.FirstOrDefault()?.Code == "STM-CLIN-008"));
    }

    [Fact]
    public async Task Batch_EntryWithAWarning_CarriesItInItsOutcome()
    {
        var batch = new Bundle
        {
            Type = Bundle.BundleType.Batch,
            Entry = [new Bundle.EntryComponent
            {
                Resource = ElbowFlexion("rom-batch"),
                Request = new Bundle.RequestComponent { Method = Bundle.HTTPVerb.PUT, Url = "Observation/rom-batch" },
            }],
        };

        var response = await (await _client.PostAsync("/fhir", Http.Fhir(batch))).ReadFhirAsync<Bundle>();

        var entry = Assert.Single(response.Entry);
        Assert.StartsWith("201", entry.Response!.Status, StringComparison.Ordinal);
        Assert.Contains(Assert.IsType<OperationOutcome>(entry.Response.Outcome).Issue, i => i.Details?.Coding.FirstOrDefault()?.Code == "STM-CLIN-005");
    }
}
