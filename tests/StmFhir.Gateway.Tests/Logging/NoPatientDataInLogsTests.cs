using System.Net;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Core.Sessions;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Logging;

/// <summary>
/// Sessions with a recognisable patient name and identifier go through every path, happy and failing, at Debug level;
/// neither the name nor the identifier may appear in any log line, while the request log lines must be there.
/// </summary>
public sealed class NoPatientDataInLogsTests : IAsyncLifetime
{
    private const string Name = "Zzyzxquorble";
    private const string Mrn = "MRN-PHI-771234";
    private readonly GatewayFactory _factory = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task PatientNameAndIdentifier_AppearInNoLogLine()
    {
        var client = _factory.ClientWithKey();
        client.DefaultRequestHeaders.Add("X-Correlation-Id", "phi-test-correlation-0001");
        var session = SessionJson.Text("PHI-1", family: Name, mrn: Mrn);

        var created = await client.PostAsync("/stm/sessions", Http.Json(session, "application/json"));
        await client.PostAsync("/stm/sessions", Http.Json(session, "application/json"));
        await client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text("PHI-1", family: Name + "e", mrn: Mrn), "application/json"));
        var invalid = SessionJson.Create("PHI-2", family: Name, mrn: Mrn);
        invalid["patient"]!["birthDate"] = Name;
        await client.PostAsync("/stm/sessions", Http.Json(invalid.ToJsonString(), "application/json"));
        await client.PostAsync("/stm/sessions", Http.Json("{\"patient\":{\"name\":\"" + Name + "\"", "application/json"));
        await client.PostAsync("/fhir/Patient", Http.Json("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"" + Name + "\"}],\"gender\":\"" + Name + "\"}"));
        await client.GetAsync($"/fhir/Patient?identifier={Mrn}");
        await client.GetAsync($"/fhir/Patient?name={Name}");
        await client.GetAsync($"/fhir/Patient/{Mrn}");
        var bundle = StmBundleMapper.ToBundle(StmSessionReader.Read(SessionJson.Text("PHI-3", family: Name, mrn: Mrn)).Session!);
        await client.PostAsync("/fhir", Http.Fhir(bundle));
        bundle.Entry[2].Request!.IfMatch = "W/\"9\"";
        await client.PostAsync("/fhir", Http.Fhir(bundle));
        await client.PostAsync("/fhir/$validate", Http.Fhir(bundle));
        await _factory.CreateClient().PostAsync("/stm/sessions", Http.Json(session, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        await _factory.StopAsync(); // flushes the log files
        var logs = _factory.ReadLogs();

        Assert.Contains("HTTP POST /stm/sessions responded 201", logs);
        Assert.Contains("phi-test-correlation-0001", logs);
        Assert.Contains("/fhir/{type:stored}", logs);
        Assert.DoesNotContain(Name, logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Mrn, logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Hoffmann", logs, StringComparison.OrdinalIgnoreCase);
    }
}
