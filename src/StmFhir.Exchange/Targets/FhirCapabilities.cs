namespace StmFhir.Exchange.Targets;

/// <summary>What a target's CapabilityStatement says it supports, as far as delivery depends on it.</summary>
public sealed record FhirCapabilities
{
    /// <summary>The FHIR version the target declares, e.g. <c>4.0.1</c>; empty if it declares none.</summary>
    public required string FhirVersion { get; init; }

    /// <summary>True when the target's FHIR version is R4 (4.0.x), the only one StmFhir delivers to.</summary>
    public bool IsR4 => FhirVersion.StartsWith("4.0", StringComparison.Ordinal);

    /// <summary>Whether the target declares the system interaction <c>transaction</c>.</summary>
    public required bool Transaction { get; init; }

    /// <summary>Whether the target declares the system interaction <c>batch</c>.</summary>
    public required bool Batch { get; init; }

    /// <summary>Per resource type the target lists: conditional create and update, and client ids on PUT.</summary>
    public required IReadOnlyDictionary<string, ResourceCapabilities> Resources { get; init; }

    /// <summary>When the CapabilityStatement was read (from the injected <see cref="TimeProvider"/>).</summary>
    public required DateTimeOffset ReadAt { get; init; }

    /// <summary>True when the target accepts a PUT that creates a resource with the client's id (update-create) for <paramref name="resourceType"/>.</summary>
    public bool AcceptsClientIds(string resourceType) => Resources.TryGetValue(resourceType, out var r) && r.UpdateCreate;

    /// <summary>True when the target supports conditional create (<c>If-None-Exist</c>) for <paramref name="resourceType"/>.</summary>
    public bool SupportsConditionalCreate(string resourceType) => Resources.TryGetValue(resourceType, out var r) && r.ConditionalCreate;

    /// <summary>
    /// True when the target declares <c>versioning: versioned-update</c> for <paramref name="resourceType"/>: it honours
    /// <c>If-Match</c> on an update and answers <c>412</c> when the version differs.
    /// </summary>
    public bool SupportsVersionedUpdate(string resourceType) => Resources.TryGetValue(resourceType, out var r) && r.VersionedUpdate;

    /// <summary>True when the target supports conditional update (<c>PUT [type]?search</c>) for <paramref name="resourceType"/>.</summary>
    public bool SupportsConditionalUpdate(string resourceType) => Resources.TryGetValue(resourceType, out var r) && r.ConditionalUpdate;
}

/// <summary>What a target supports for one resource type.</summary>
/// <param name="ConditionalCreate">Conditional create (<c>If-None-Exist</c>).</param>
/// <param name="ConditionalUpdate">Conditional update (<c>PUT [type]?search</c>).</param>
/// <param name="UpdateCreate">A PUT to an unknown id creates the resource with that id (client ids accepted).</param>
/// <param name="VersionedUpdate">Version-aware updates (<c>versioning: versioned-update</c>): <c>If-Match</c> is honoured.</param>
public sealed record ResourceCapabilities(bool ConditionalCreate, bool ConditionalUpdate, bool UpdateCreate, bool VersionedUpdate = false);
