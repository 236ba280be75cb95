using System.Net.Http.Json;
using System.Text.Json;
using StmFhir.Gateway.Tests.Infrastructure;
using StmFhir.Tests.Shared;

namespace StmFhir.Gateway.Tests.OutcomeTrends;

/// <summary>Stores <see cref="OutcomeSessions"/> through <c>POST /stm/sessions</c>.</summary>
internal static class ThreeSessions
{
    public static int[] PainPre => OutcomeSessions.PainPre;
    public static int[] PainPost => OutcomeSessions.PainPost;
    public static int[] PainFollowUp => OutcomeSessions.PainFollowUp;
    public static int[] FlexionPre => OutcomeSessions.FlexionPre;
    public static int[] FlexionPost => OutcomeSessions.FlexionPost;

    /// <summary>Posts the sessions and returns the Patient's id.</summary>
    public static async Task<string> StoreAsync(HttpClient client, string mrn, int count = 3)
    {
        foreach (var session in OutcomeSessions.Create(mrn, count))
        {
            var response = await client.PostAsync("/stm/sessions", Http.Json(session, "application/json"));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
        var found = await client.GetFromJsonAsync<JsonElement>($"/fhir/Patient?identifier={OutcomeSessions.MrnSystem}|{mrn}");
        return found.GetProperty("entry")[0].GetProperty("resource").GetProperty("id").GetString()!;
    }
}
