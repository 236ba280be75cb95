using System.Net;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using StmFhir.Core.Mapping;

namespace StmFhir.Gateway.Tests.Infrastructure;

/// <summary>Request and response helpers for FHIR and STM JSON.</summary>
internal static class Http
{
    public static StringContent Json(string json, string mediaType = "application/fhir+json") => new(json, Encoding.UTF8, mediaType);

    public static StringContent Fhir(Resource resource) => Json(FhirJson.Serialize(resource));

    public static async Task<T> ReadFhirAsync<T>(this HttpResponseMessage response) where T : Resource =>
        FhirJson.Deserialize<T>(await response.Content.ReadAsStringAsync());

    /// <summary>Asserts the status and that the body is an OperationOutcome (as every error answer must be); returns it.</summary>
    public static async Task<OperationOutcome> AssertOutcomeAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.StartsWith("application/fhir+json", response.Content.Headers.ContentType?.ToString());
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal); // no stack trace
        var outcome = FhirJson.Deserialize<OperationOutcome>(body);
        Assert.NotEmpty(outcome.Issue);
        return outcome;
    }

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public static string Diagnostics(this OperationOutcome outcome) => string.Join(" | ", outcome.Issue.Select(i => i.Diagnostics));
}
