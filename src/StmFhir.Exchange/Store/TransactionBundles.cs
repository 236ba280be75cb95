using System.Globalization;
using Hl7.Fhir.Model;

namespace StmFhir.Exchange.Store;

/// <summary>Reads the entries of a transaction (or one batch entry) as store changes.</summary>
public static class TransactionBundles
{
    /// <summary>
    /// The changes of a transaction Bundle's entries, in order. Only POST (create, optionally with <c>ifNoneExist</c>)
    /// and PUT to <c>Type/id</c> (optionally with <c>ifMatch</c>) are accepted.
    /// </summary>
    /// <exception cref="StoreRejectedException">An entry is not a supported create or update.</exception>
    public static ChangeSet ToChangeSet(Bundle bundle, string source)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        return new ChangeSet([.. bundle.Entry.Select(ToChange)], source);
    }

    /// <summary>One entry as a change (<paramref name="index"/> locates it in errors).</summary>
    /// <exception cref="StoreRejectedException">The entry is not a supported create or update.</exception>
    public static Change ToChange(Bundle.EntryComponent entry, int index)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.Resource is not { } resource)
        {
            throw Invalid(index, "has no resource");
        }
        if (entry.Request is not { Method: { } method, Url: { } url })
        {
            throw Invalid(index, "has no request method and url");
        }
        var path = url.Split('?')[0].TrimEnd('/');
        switch (method)
        {
            case Bundle.HTTPVerb.POST when path == resource.TypeName && !url.Contains('?', StringComparison.Ordinal):
                return new Change(ChangeMethod.Create, resource) { FullUrl = entry.FullUrl, IfNoneExist = entry.Request.IfNoneExist };
            case Bundle.HTTPVerb.PUT when !url.Contains('?', StringComparison.Ordinal) && path.Split('/') is [var type, var id]:
                if (type != resource.TypeName)
                {
                    throw Invalid(index, $"puts a {resource.TypeName} to {type}");
                }
                if (resource.Id is { } bodyId && bodyId != id)
                {
                    throw Invalid(index, "has a resource id that differs from the id in request.url");
                }
                resource.Id = id;
                return new Change(ChangeMethod.Update, resource) { FullUrl = entry.FullUrl, IfMatchVersion = IfMatch(entry.Request.IfMatch, index) };
            default:
                throw Invalid(index, "must be POST to Type or PUT to Type/id (conditional updates, PATCH and DELETE are not supported)");
        }
    }

    /// <summary>The version in an ETag (<c>W/"3"</c>, <c>"3"</c> or <c>3</c>), or null when <paramref name="etag"/> is null.</summary>
    /// <exception cref="StoreRejectedException">The ETag holds no version number.</exception>
    public static int? IfMatch(string? etag, int index = 0)
    {
        if (etag is null)
        {
            return null;
        }
        var value = etag.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal))
        {
            value = value[2..];
        }
        value = value.Trim('"');
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0
            ? version
            : throw new StoreRejectedException(StoreRejection.Invalid, "If-Match must be an ETag of a version, e.g. W/\"3\"", index);
    }

    private static StoreRejectedException Invalid(int index, string what) =>
        new(StoreRejection.Invalid, $"Bundle.entry[{index}] {what}", index);
}
