namespace StmFhir.Exchange.Store;

/// <summary>One stored version of a resource.</summary>
/// <param name="Type">The resource type, e.g. <c>Procedure</c>.</param>
/// <param name="Id">The logical id.</param>
/// <param name="Version">The version, from 1; <c>meta.versionId</c> holds the same number.</param>
/// <param name="LastUpdated">When this version was written; <c>meta.lastUpdated</c> holds the same instant.</param>
/// <param name="Json">
/// The resource as compact FHIR JSON, with <c>meta.versionId</c> and <c>meta.lastUpdated</c> set; empty for a version
/// that deleted the resource (<see cref="IsDeleted"/>).
/// </param>
public sealed record StoredResource(string Type, string Id, int Version, DateTimeOffset LastUpdated, string Json)
{
    /// <summary>The weak ETag of this version, <c>W/"version"</c>.</summary>
    public string ETag => $"W/\"{Version}\"";

    /// <summary>True for the version that deleted the resource (a tombstone in its history): it has no content.</summary>
    public bool IsDeleted => Json.Length == 0;
}
