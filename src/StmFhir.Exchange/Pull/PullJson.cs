using System.Globalization;
using System.Text.Json.Serialization;

namespace StmFhir.Exchange.Pull;

/// <summary>What the store keeps of a pull's result (<c>pull_state.last_result</c>).</summary>
/// <param name="Counts">The counts.</param>
/// <param name="Failures">The failed Procedures, at most <see cref="MaxFailures"/>.</param>
internal sealed record PullSummary(PullCounts Counts, IReadOnlyList<PullFailure> Failures)
{
    public const int MaxFailures = 100;
}

[JsonSerializable(typeof(PullSummary))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class PullJsonContext : JsonSerializerContext;

/// <summary>FHIR instants as the pull writes them: UTC, <c>Z</c>, only the fraction digits needed.</summary>
internal static class FhirInstant
{
    public static string Format(DateTimeOffset instant) =>
        instant.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
