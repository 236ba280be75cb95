using System.Net;
using System.Text.Json.Nodes;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Sessions;

/// <summary>
/// <c>POST /stm/sessions/$validate</c> on the real gateway over loopback: a session is mapped and validated as intake
/// would, with STM field paths, and nothing is stored.
/// </summary>
public sealed class ValidateSessionTests(KestrelGatewayFactory gateway) : IClassFixture<KestrelGatewayFactory>
{
    [Fact]
    public async Task ASessionWithPetechiae_Is200WithTheWarningAtItsField_AndNothingIsStored()
    {
        var client = gateway.RealClient();
        var session = File.ReadAllText(RepoPaths.Samples("sessions", "08-de-quervain-petechiae.json"));

        var response = await client.PostAsync("/stm/sessions/$validate", Http.Json(session, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var outcome = await response.ReadJsonAsync();
        var petechiae = outcome.GetProperty("issue").EnumerateArray().Single(i => i.ToString().Contains("STM-CLIN-008", StringComparison.Ordinal));
        Assert.Equal("warning", petechiae.GetProperty("severity").GetString());
        Assert.StartsWith("$.complications", petechiae.GetProperty("location")[0].GetString());
        Assert.StartsWith("Bundle.entry[", petechiae.GetProperty("expression")[0].GetString());
        var stored = await (await client.GetAsync("/fhir/Procedure")).ReadJsonAsync();
        Assert.Equal(0, stored.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ASessionThatCannotBeRead_Is200WithAnErrorAtTheField()
    {
        var session = JsonNode.Parse(File.ReadAllText(RepoPaths.Samples("sessions", "01-lateral-epicondylitis-iastm.json")))!;
        session["painScores"]![0]!["score"] = 12;

        var response = await gateway.RealClient().PostAsync("/stm/sessions/$validate", Http.Json(session.ToJsonString(), "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var issue = (await response.ReadJsonAsync()).GetProperty("issue")[0];
        Assert.Equal("error", issue.GetProperty("severity").GetString());
        Assert.Equal("$.painScores[0].score", issue.GetProperty("location")[0].GetString());
    }

    [Fact]
    public async Task NoKeyIs401_AndMalformedJsonIs400()
    {
        var none = await gateway.RealClient(key: null).PostAsync("/stm/sessions/$validate", Http.Json("{}", "application/json"));
        var malformed = await gateway.RealClient().PostAsync("/stm/sessions/$validate", Http.Json("{\"sessionId\": ", "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("OperationOutcome", (await malformed.ReadJsonAsync()).GetProperty("resourceType").GetString());
    }
}
