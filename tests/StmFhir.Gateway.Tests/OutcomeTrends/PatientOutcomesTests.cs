using System.Net;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.OutcomeTrends;

/// <summary>
/// <c>GET /fhir/Patient/{id}/$stm-outcomes</c> on the real gateway over loopback with its real SQLite store: a patient's
/// three sessions give the pain and range-of-motion series, their changes judged against the cited thresholds, and
/// whether each post-session gain held at follow-up.
/// </summary>
public sealed class PatientOutcomesTests(KestrelGatewayFactory gateway) : IClassFixture<KestrelGatewayFactory>
{
    [Fact]
    public async Task APatientWithThreeSessions_GetsEachSeriesWithChangesFromTheFirstSession()
    {
        var client = gateway.RealClient();
        var patientId = await ThreeSessions.StoreAsync(client, "MRN-OUT-3");

        var parameters = await OutcomesAsync(client, patientId);

        Assert.Equal($"Patient/{patientId}", Assert.IsType<ResourceReference>(parameters.Parameter.Single(p => p.Name == "patient").Value).Reference);
        var sessions = parameters.Parameter.Where(p => p.Name == "session").ToList();
        Assert.Equal([1, 2, 3], sessions.Select(s => Value<Integer>(s, "number").Value!.Value));
        AssertSeries(parameters, "pain", "pre", ThreeSessions.PainPre, [null, "no-important-change", "improved"]);
        AssertSeries(parameters, "pain", "post", ThreeSessions.PainPost, [null, "no-important-change", "improved"]);
        AssertSeries(parameters, "pain", "follow-up", ThreeSessions.PainFollowUp, [null, "improved", "improved"]);
        AssertSeries(parameters, "elbow-flexion-right-active", "pre", ThreeSessions.FlexionPre, [null, "no-important-change", "improved"]);
        AssertSeries(parameters, "elbow-flexion-right-active", "post", ThreeSessions.FlexionPost, [null, "no-important-change", "improved"]);
        var flexion = Series(parameters, "elbow-flexion-right-active", "pre");
        Assert.Equal(150m, Value<Quantity>(flexion, "normalHigh").Value);
        Assert.Contains("Boone et al. 1978", Value<FhirString>(flexion, "threshold").Value);
        Assert.Contains("Farrar", Value<FhirString>(Series(parameters, "pain", "pre"), "threshold").Value);
    }

    [Fact]
    public async Task APostSessionGain_IsHeldOnlyWhenTheFollowUpStillReachesTheThreshold()
    {
        var client = gateway.RealClient();
        var patientId = await ThreeSessions.StoreAsync(client, "MRN-OUT-HELD");

        var parameters = await OutcomesAsync(client, patientId);

        var durability = parameters.Parameter.Where(p => p.Name == "durability").ToList();
        // Only pain has follow-up values; flexion was measured before and after each session only.
        Assert.All(durability, d => Assert.Equal("pain", Value<Code>(d, "measure").Value));
        Assert.Equal([false, true, true], durability.Select(d => Value<FhirBoolean>(d, "held").Value!.Value));
        Assert.Equal(["improved", "improved", "improved"], durability.Select(d => Value<Code>(d, "postGain").Value));
    }

    [Fact]
    public async Task AnUnknownPatient_Is404WithAnOperationOutcome()
    {
        var response = await gateway.RealClient().GetAsync("/fhir/Patient/no-such-patient/$stm-outcomes");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var outcome = FhirJson.Deserialize<OperationOutcome>(await response.Content.ReadAsStringAsync());
        Assert.Equal(OperationOutcome.IssueType.NotFound, outcome.Issue[0].Code);
        Assert.Contains("no-such-patient", outcome.Issue[0].Diagnostics);
    }

    [Fact]
    public async Task AWriteOnlyKey_Is403AndNoKeyIs401()
    {
        var patientId = await ThreeSessions.StoreAsync(gateway.RealClient(), "MRN-OUT-SCOPE", 1);

        var writeOnly = await gateway.RealClient(GatewayFactory.WriteOnlyKey).GetAsync($"/fhir/Patient/{patientId}/$stm-outcomes");
        var none = await gateway.RealClient(key: null).GetAsync($"/fhir/Patient/{patientId}/$stm-outcomes");
        var readOnly = await gateway.RealClient(GatewayFactory.ReadOnlyKey).GetAsync($"/fhir/Patient/{patientId}/$stm-outcomes");

        Assert.Equal(HttpStatusCode.Forbidden, writeOnly.StatusCode);
        Assert.Contains("read", FhirJson.Deserialize<OperationOutcome>(await writeOnly.Content.ReadAsStringAsync()).Issue[0].Diagnostics);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.OK, readOnly.StatusCode);
    }

    [Fact]
    public async Task TheCapabilityStatement_ListsTheOperationOnPatient_AndTheGatewayServesItsDefinition()
    {
        var client = gateway.RealClient();
        var statement = FhirJson.Deserialize<CapabilityStatement>(await client.GetStringAsync("/fhir/metadata"));
        var definition = FhirJson.Deserialize<OperationDefinition>(await client.GetStringAsync("/fhir/OperationDefinition/stm-outcomes"));

        var operation = Assert.Single(statement.Rest[0].Resource.Single(r => r.Type == "Patient").Operation, o => o.Name == "stm-outcomes");
        Assert.Equal(definition.Url, operation.Definition);
        Assert.Equal("stm-outcomes", definition.Code);
        Assert.True(definition.Instance);
    }

    internal static async Task<Parameters> OutcomesAsync(HttpClient client, string patientId)
    {
        var response = await client.GetAsync($"/fhir/Patient/{patientId}/$stm-outcomes");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return FhirJson.Deserialize<Parameters>(body);
    }

    private static void AssertSeries(Parameters parameters, string measure, string timing, int[] values, string?[] assessments)
    {
        var points = Series(parameters, measure, timing).Part.Where(p => p.Name == "point").ToList();
        Assert.Equal(values.Select(v => (decimal)v), points.Select(p => Value<FhirDecimal>(p, "value").Value!.Value));
        Assert.Equal(values.Skip(1).Select(v => (decimal?)(v - values[0])),
            points.Skip(1).Select(p => Value<FhirDecimal>(p, "change").Value));
        Assert.Equal(assessments, points.Select(p => (p.Part.FirstOrDefault(x => x.Name == "assessment")?.Value as Code)?.Value));
        Assert.Equal([1, 2, 3], points.Select(p => Value<Integer>(p, "session").Value!.Value));
    }

    private static Parameters.ParameterComponent Series(Parameters parameters, string measure, string timing) =>
        parameters.Parameter.Single(p => p.Name == "series"
            && Value<Code>(p, "measure").Value == measure && Value<Code>(p, "timing").Value == timing);

    private static T Value<T>(Parameters.ParameterComponent parameter, string name) where T : DataType =>
        Assert.IsType<T>(Part(parameter, name).Value);

    private static Parameters.ParameterComponent Part(Parameters.ParameterComponent parameter, string name) =>
        parameter.Part.Single(p => p.Name == name);
}
