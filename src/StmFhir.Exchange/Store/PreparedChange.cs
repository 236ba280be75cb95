using Hl7.Fhir.Model;

namespace StmFhir.Exchange.Store;

/// <summary>
/// The CPU work of one change (reference rewriting, serialization, hash, index values), done before the writer lock is
/// taken so that serialised writers spend their time on the database only. It is done for the ids the change is
/// expected to get (the id of an update; the urn:uuid of a create, which the mapper makes deterministic); when the
/// database gives another id (a conditional create's match, a taken id), the writer prepares that change again.
/// </summary>
internal sealed record PreparedChange(string AssumedId, string Json, string Hash, List<(string Param, IndexValue Value)> Index)
{
    /// <summary>fullUrl to the <c>Type/id</c> each change is expected to get.</summary>
    public static Dictionary<string, string> AssumedTargets(IReadOnlyList<Change> changes)
    {
        var targets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            if (change.FullUrl is { } fullUrl && ExpectedId(change) is { } id)
            {
                targets[fullUrl] = $"{change.Resource.TypeName}/{id}";
            }
        }
        return targets;
    }

    public static string? ExpectedId(Change change) =>
        change.Method == ChangeMethod.Update ? change.Resource.Id : ChangeRules.UrnUuid(change.FullUrl);

    /// <summary>Prepares every change whose id can be expected; null for the others.</summary>
    public static PreparedChange?[] PrepareAll(IReadOnlyList<Change> changes)
    {
        var targets = AssumedTargets(changes);
        var prepared = new PreparedChange?[changes.Count];
        for (var i = 0; i < changes.Count; i++)
        {
            if (ExpectedId(changes[i]) is { } id && SearchParameterCatalog.IsSupported(changes[i].Resource.TypeName))
            {
                ReferenceRewriter.Rewrite(changes[i].Resource, targets);
                prepared[i] = Prepare(changes[i].Resource, id);
            }
        }
        return prepared;
    }

    /// <summary>Serializes, hashes and indexes <paramref name="resource"/> as it will be stored under <paramref name="id"/>.</summary>
    public static PreparedChange Prepare(Resource resource, string id)
    {
        resource.Id = id;
        var json = ResourceJson.Unstamped(resource);
        return new PreparedChange(id, json, ResourceJson.Hash(json), [.. SearchParameterCatalog.IndexValues(resource)]);
    }
}
