using System.Text.RegularExpressions;

namespace StmFhir.Exchange.Store;

/// <summary>
/// What a change set must be for the store to write it (a kept resource type, a valid id to update, one form of
/// <c>ifNoneExist</c>, no resource updated twice), and the id a create's <c>urn:uuid</c> fullUrl asks for.
/// </summary>
internal static partial class ChangeRules
{
    /// <summary>Refuses a change the store cannot keep; its conditional create's identifier (system, value), if any.</summary>
    public static (string System, string Value)? Check(Change change, int index)
    {
        var resource = change.Resource;
        if (!SearchParameterCatalog.IsSupported(resource.TypeName))
        {
            throw new StoreRejectedException(StoreRejection.Invalid, $"Resource type {resource.TypeName} is not kept by this server", index);
        }
        if (change.Method == ChangeMethod.Update && (resource.Id is null || !IdPattern().IsMatch(resource.Id)))
        {
            throw new StoreRejectedException(StoreRejection.Invalid, "An update needs an id of 1-64 letters, digits, '-' or '.'", index);
        }
        if (change.IfNoneExist is null)
        {
            return null;
        }
        // Only identifier=system|value is supported: it is what the mapper emits and what a business key is.
        const string prefix = "identifier=";
        var condition = change.IfNoneExist;
        var bar = condition.IndexOf('|', StringComparison.Ordinal);
        if (!condition.StartsWith(prefix, StringComparison.Ordinal) || bar < 0 || condition.Contains('&', StringComparison.Ordinal))
        {
            throw new StoreRejectedException(StoreRejection.Invalid, "ifNoneExist must be of the form identifier=system|value", index);
        }
        var system = Uri.UnescapeDataString(condition[prefix.Length..bar]);
        var value = Uri.UnescapeDataString(condition[(bar + 1)..]);
        return value.Length == 0
            ? throw new StoreRejectedException(StoreRejection.Invalid, "ifNoneExist must name an identifier value", index)
            : (system, value);
    }

    /// <summary>FHIR: a transaction must not touch one resource twice.</summary>
    public static void CheckNoDuplicateUpdates(IReadOnlyList<Change> changes)
    {
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < changes.Count; i++)
        {
            if (changes[i].Method == ChangeMethod.Update && !seen.Add((changes[i].Resource.TypeName, changes[i].Resource.Id!)))
            {
                throw new StoreRejectedException(StoreRejection.Invalid, $"{changes[i].Resource.TypeName}/{changes[i].Resource.Id} is updated twice", i);
            }
        }
    }

    /// <summary>The id a <c>urn:uuid:</c> fullUrl asks for, when it is a valid id; else null.</summary>
    public static string? UrnUuid(string? fullUrl)
    {
        const string urn = "urn:uuid:";
        return fullUrl is not null && fullUrl.StartsWith(urn, StringComparison.Ordinal) && IdPattern().IsMatch(fullUrl.AsSpan(urn.Length))
            ? fullUrl[urn.Length..]
            : null;
    }

    [GeneratedRegex(@"^[A-Za-z0-9\-\.]{1,64}$")]
    private static partial Regex IdPattern();
}
