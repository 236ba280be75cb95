using System.Text.Json.Serialization;

namespace StmFhir.Exchange.Outbox;

/// <summary>
/// The payload of one outbox row: the resource versions one committed change set wrote. The row is written in the
/// same database transaction as those versions, so a version exists if and only if its row does; the dispatcher
/// (issue 5) reads the versions and pushes them.
/// </summary>
/// <param name="Resources">The written versions, in change set order.</param>
public sealed record OutboxPayload(IReadOnlyList<OutboxResource> Resources);

/// <summary>One resource version to push.</summary>
/// <param name="Type">Resource type.</param>
/// <param name="Id">Logical id.</param>
/// <param name="Version">The version written.</param>
public sealed record OutboxResource(string Type, string Id, int Version)
{
    /// <summary>
    /// True when this version deleted the resource: the dispatcher sends a DELETE instead of the content. Left out of the
    /// JSON when false, so the rows of other changes read as before.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Deleted { get; init; }
}

[JsonSerializable(typeof(OutboxPayload))]
[JsonSerializable(typeof(IReadOnlyList<OutboxDeliveredResource>))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class OutboxJsonContext : JsonSerializerContext;
