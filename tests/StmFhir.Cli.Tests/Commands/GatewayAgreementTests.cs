using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;
using StmFhir.Tests.Shared;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Cli.Tests.Commands;

/// <summary>The real gateway, as a separate process configured as an operator would, for tests that compare it with the command line.</summary>
public sealed class GatewayOnItsOwn : IAsyncLifetime
{
    public const string Key = "cli-agreement-key";

    private readonly string _folder = Directory.CreateTempSubdirectory("stmfhir-cli-gateway-").FullName;
    private GatewayProcess _gateway = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _gateway = new GatewayProcess(GatewayProcess.BuiltGatewayDll(), Path.Combine(_folder, "work"), new Dictionary<string, string>
        {
            ["STMFHIR_DATA_DIR"] = Path.Combine(_folder, "data"),
            ["STMFHIR_API_KEY"] = Key,
        });
        await _gateway.StartAsync(TimeSpan.FromMinutes(2));
        Client = new HttpClient { BaseAddress = _gateway.Url };
        Client.DefaultRequestHeaders.Add("X-Api-Key", Key);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await _gateway.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}

/// <summary>
/// A file that starts with a UTF-8 byte order mark (as editors on Windows write it) is read alike by the gateway and by
/// <c>stmfhir</c>: a session is accepted by both with the same Bundle, a FHIR Bundle gets the same issues.
/// </summary>
public sealed class GatewayAgreementTests(GatewayOnItsOwn gateway) : IClassFixture<GatewayOnItsOwn>, IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string WithByteOrderMark(string sample, string name)
    {
        var path = Path.Combine(_folder.Path, name);
        File.WriteAllBytes(path, [.. Encoding.UTF8.Preamble, .. File.ReadAllBytes(sample)]);
        return path;
    }

    private static ByteArrayContent Body(string path, string mediaType)
    {
        var content = new ByteArrayContent(File.ReadAllBytes(path));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(mediaType);
        return content;
    }

    [Fact]
    public async Task ASessionWithAByteOrderMark_IsAcceptedByTheGatewayAndMappedByMap_AsTheSameBundle()
    {
        var file = WithByteOrderMark(CliRunner.Samples("sessions", "04-patellar-tendinopathy-anticoagulant-bruising.json"), "session.json");

        var posted = await gateway.Client.PostAsync("/stm/sessions", Body(file, "application/json"));
        var (exitCode, output, error) = await CliRunner.RunAsync("map", file);

        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        Assert.Equal((0, ""), (exitCode, error));
        var bundle = FhirJson.Deserialize<Bundle>(output);
        using var accepted = JsonDocument.Parse(await posted.Content.ReadAsStringAsync());
        // The session's resources in Bundle order, then the DetectedIssue of its finding (an instrument under anticoagulation).
        var stored = accepted.RootElement.GetProperty("resources").EnumerateArray().Select(r => $"{r.GetProperty("resourceType").GetString()}/{r.GetProperty("id").GetString()}").ToList();
        Assert.Equal(bundle.Entry.Select(e => $"{e.Resource!.TypeName}/{e.FullUrl!.Replace("urn:uuid:", "", StringComparison.Ordinal)}"), stored.Take(bundle.Entry.Count));
        Assert.All(stored.Skip(bundle.Entry.Count), r => Assert.StartsWith("DetectedIssue/", r, StringComparison.Ordinal));
        // The map's Bundle sent as a transaction changes nothing the session stored: the content is the same, resource by resource.
        var again = await gateway.Client.PostAsync("/fhir", new StringContent(output, Encoding.UTF8, "application/fhir+json"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var response = FhirJson.Deserialize<Bundle>(await again.Content.ReadAsStringAsync());
        Assert.All(response.Entry, e => Assert.Equal(("200 OK", true), (e.Response!.Status, e.Response.Location!.EndsWith("/_history/1", StringComparison.Ordinal))));
    }

    [Theory]
    [InlineData("clinical-petechiae.json")]
    [InlineData("structure-invalid-date.json")]
    [InlineData("profile-unknown-stm-profile.json")]
    public async Task ABundleWithAByteOrderMark_GetsTheSameIssuesFromValidateAndFromTheGateway(string sample)
    {
        var file = WithByteOrderMark(CliRunner.Samples("invalid", sample), sample);

        var answer = await gateway.Client.PostAsync("/fhir/$validate", Body(file, "application/fhir+json"));
        var (_, output, _) = await CliRunner.RunAsync("validate", "--format", "json", file);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var fromGateway = Issues(FhirJson.Deserialize<OperationOutcome>(await answer.Content.ReadAsStringAsync()));
        var fromCli = Issues(FhirJson.Deserialize<OperationOutcome>(output));
        Assert.NotEmpty(fromCli);
        Assert.Equal(fromCli, fromGateway);
    }

    private static List<string> Issues(OperationOutcome outcome) =>
        [.. outcome.Issue.Select(i => string.Join(" | ", i.Severity, i.Code, string.Join(",", i.Details?.Coding.Select(c => c.Code) ?? []),
            string.Join(",", i.Expression), i.Diagnostics))];
}
