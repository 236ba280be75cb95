using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;

namespace StmFhir.Gateway.Tests.Sessions;

/// <summary>
/// <c>POST /stm/sessions</c> answers an accepted session with every warning and information issue the validator found,
/// each with its code, severity, message, FHIRPath and STM field path, on the first send and on a re-send alike.
/// </summary>
public sealed class SessionWarningsTests : IAsyncLifetime
{
    private readonly GatewayFactory _factory = new();
    private HttpClient _client = null!;

    public System.Threading.Tasks.Task InitializeAsync()
    {
        _client = _factory.ClientWithKey();
        return System.Threading.Tasks.Task.CompletedTask;
    }

    public async System.Threading.Tasks.Task DisposeAsync() => await _factory.DisposeAsync();

    private static string WithPetechiaeAndPainRise()
    {
        var session = SessionJson.Create(prePain: 2);
        session["complications"] = new JsonArray(new JsonObject { ["kind"] = "petechiae", ["note"] = "small spots" });
        session["painScores"]![1]!["score"] = 7;
        return session.ToJsonString();
    }

    [Fact]
    public async System.Threading.Tasks.Task SessionWithWarnings_Is201_AndListsEachWarningWithCodeExpressionAndStmPath()
    {
        var response = await _client.PostAsync("/stm/sessions", Http.Json(WithPetechiaeAndPainRise(), "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var issues = Issues(await response.ReadJsonAsync());
        var petechiae = Assert.Single(issues, i => i.Code == "STM-CLIN-008");
        Assert.Equal("warning", petechiae.Severity);
        Assert.Equal("$.complications[0]", petechiae.Location);
        Assert.Matches(@"^Bundle\.entry\[\d+\]\.resource\.complication\[0\]$", petechiae.Expression);
        Assert.Contains("Petechiae", petechiae.Message, StringComparison.Ordinal);
        var pain = Assert.Single(issues, i => i.Code == "STM-CLIN-007");
        Assert.Equal("$.painScores[1].score", pain.Location);
        Assert.All(issues, i => Assert.NotEqual("error", i.Severity));
    }

    [Fact]
    public async System.Threading.Tasks.Task ReSentSessionWithWarnings_Is200_AndListsTheSameWarnings()
    {
        var first = Issues(await (await _client.PostAsync("/stm/sessions", Http.Json(WithPetechiaeAndPainRise(), "application/json"))).ReadJsonAsync());

        var again = await _client.PostAsync("/stm/sessions", Http.Json(WithPetechiaeAndPainRise(), "application/json"));

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var body = await again.ReadJsonAsync();
        Assert.Equal("unchanged", body.GetProperty("outcome").GetString());
        Assert.Equal(first, Issues(body));
    }

    [Fact]
    public async System.Threading.Tasks.Task SessionWithoutClinicalFindings_ListsNoClinicalIssue()
    {
        var response = await _client.PostAsync("/stm/sessions", Http.Json(SessionJson.Text(), "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var issues = Issues(await response.ReadJsonAsync());
        // Only the interoperability warning on a prediction without a probability (valid R4 strict servers refuse).
        Assert.All(issues, i => Assert.Equal("STM-INTEROP-001", i.Code));
    }

    [Fact]
    public async System.Threading.Tasks.Task TheOpenApiDocument_DescribesTheIssuesOfTheSuccessBody()
    {
        var document = await (await _factory.CreateClient().GetAsync("/openapi/v1.json")).ReadJsonAsync();

        var schemas = document.GetProperty("components").GetProperty("schemas");
        var accepted = schemas.GetProperty("SessionAccepted").GetProperty("properties");
        Assert.True(accepted.TryGetProperty("issues", out _));
        var issue = schemas.GetProperty("SessionIssue").GetProperty("properties");
        Assert.All(["severity", "code", "message", "expression", "location"], name => Assert.True(issue.TryGetProperty(name, out _), name));
        var post = document.GetProperty("paths").GetProperty("/stm/sessions").GetProperty("post");
        Assert.Contains("issues", post.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    private static List<Issue> Issues(JsonElement body) =>
        [.. body.GetProperty("issues").EnumerateArray().Select(i => new Issue(
            i.GetProperty("severity").GetString()!, i.GetProperty("code").GetString()!, i.GetProperty("message").GetString()!,
            i.GetProperty("expression").GetString(), i.GetProperty("location").GetString()))];

    private sealed record Issue(string Severity, string Code, string Message, string? Expression, string? Location);
}
