using System.Globalization;
using System.Text.Json.Serialization;

namespace StmFhir.Exchange.Pull;

/// <summary>
/// What the store keeps of a pull's result (<c>pull_state.last_result</c>); its failures are kept apart, per Procedure
/// (<c>pull_failure</c>). A row written before that also holds a <c>failures</c> array, which is not read.
/// </summary>
/// <param name="Counts">The counts.</param>
internal sealed record PullSummary(PullCounts Counts);

[JsonSerializable(typeof(PullSummary))]
[JsonSerializable(typeof(IReadOnlyList<PullIssue>))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class PullJsonContext : JsonSerializerContext;

/// <summary>FHIR instants as the pull writes them: UTC, <c>Z</c>, only the fraction digits needed.</summary>
internal static class FhirInstant
{
    public static string Format(DateTimeOffset instant) =>
        instant.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
