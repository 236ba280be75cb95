using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation.Bundles;

/// <summary>
/// What the FHIR R4 Bundle page (and the transaction rules of the RESTful API) require of a Bundle beyond the
/// invariants Firely evaluates (VALIDATION.md, "Bundle rules"): absolute full URLs that agree with their resources,
/// each paging link once, each full URL once per version (bdl-7), references a document or transaction must resolve
/// within it, and a transaction touching each resource once. One pass over the entries into dictionaries; no FHIRPath.
/// Only the Bundle validated is checked, not a Bundle inside one of its entries.
/// </summary>
internal static class BundleRules
{
    // Relations that name one page or the Bundle itself (R4 http.html "Paging", search.html): given twice, a client
    // cannot tell which to follow. The HL7 reference validator refuses them too; other relations may repeat (RFC 8288).
    private static readonly HashSet<string> SingleRelations = new(StringComparer.Ordinal) { "self", "first", "previous", "prev", "next", "last" };

    // Transaction processing steps 1-3 (http.html): the methods whose resource identity a transaction may hold once.
    private static readonly HashSet<string> IdentityMethods = new(StringComparer.Ordinal) { "PUT", "PATCH", "DELETE" };

    public static List<ValidationIssue> Check(Resource root)
    {
        var issues = new List<ValidationIssue>();
        if (root is not Bundle)
        {
            return issues;
        }
        var type = BundleElements.Text(root, "type");
        var entries = BundleEntry.ReadAll(root);
        RepeatedRelations(root, issues);
        foreach (var entry in entries)
        {
            FullUrlShape(entry, issues);
        }
        if (type != "history")
        {
            RepeatedFullUrls(entries, issues);
        }
        if (type == "transaction")
        {
            RepeatedIdentities(entries, issues);
            BundleReferences.CheckTransaction(entries, issues);
        }
        else if (type == "document")
        {
            BundleReferences.CheckDocument(entries, issues);
        }
        return issues;
    }

    /// <summary>STM-BDL-003: a relation of <see cref="SingleRelations"/> given twice, reported at its repeat.</summary>
    private static void RepeatedRelations(Resource bundle, List<ValidationIssue> issues)
    {
        var links = BundleElements.Many(bundle, "link");
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < links.Count; i++)
        {
            if (links[i] is { } link && BundleElements.Text(link, "relation") is { } relation && SingleRelations.Contains(relation) && !seen.TryAdd(relation, i))
            {
                issues.Add(Error(IssueCodes.LinkRelationRepeated, $"Bundle.link[{i}].relation",
                    $"The link relation '{relation}' is given twice (first at Bundle.link[{seen[relation]}]): it names one page, so a client cannot tell which to follow. Give it once.",
                    OperationOutcome.IssueType.Invalid));
            }
        }
    }

    /// <summary>STM-BDL-001 and STM-BDL-002: a full URL that is not absolute, or RESTful but naming another resource.</summary>
    private static void FullUrlShape(BundleEntry entry, List<ValidationIssue> issues)
    {
        if (entry.FullUrl is not { } fullUrl)
        {
            return;
        }
        // Not a URI at all is Firely's to report (FIRELY-1006), so only a URI that is not absolute is reported here.
        if (!BundleUrls.IsAbsolute(fullUrl))
        {
            if (BundleUrls.IsUri(fullUrl))
            {
                issues.Add(Error(IssueCodes.FullUrlNotAbsolute, $"Bundle.entry[{entry.Index}].fullUrl",
                    $"The fullUrl '{MessageText.Value(fullUrl)}' is not an absolute URL: FHIR R4 requires the absolute URL of the resource, e.g. "
                    + "'https://example.org/fhir/Patient/1', or a 'urn:uuid:' for a resource without one.", OperationOutcome.IssueType.Invalid));
            }
            return;
        }
        // A version in the full URL is bdl-8's (Firely); with no resource there is nothing to disagree with.
        if (entry.Resource is not { } resource || !BundleUrls.TryRestful(fullUrl, out _, out var type, out var id, out var version) || version is not null)
        {
            return;
        }
        if (type != resource.TypeName || id != entry.ResourceId)
        {
            var holds = entry.ResourceId is { } own ? $"{resource.TypeName}/{MessageText.Value(own)}" : $"a {resource.TypeName} without an id";
            issues.Add(Error(IssueCodes.FullUrlDisagreesWithResource, $"Bundle.entry[{entry.Index}].fullUrl",
                $"The fullUrl '{MessageText.Value(fullUrl)}' is a RESTful URL of {type}/{MessageText.Value(id)}, but the entry holds {holds}: "
                + "a RESTful fullUrl SHALL end with the type and id of its resource.", OperationOutcome.IssueType.Invalid));
        }
    }

    /// <summary>
    /// STM-BDL-004 (bdl-7): two entries with one full URL and the same version (or none), reported at the later one.
    /// Compared exactly, as FHIRPath's equality compares strings.
    /// </summary>
    private static void RepeatedFullUrls(IReadOnlyList<BundleEntry> entries, List<ValidationIssue> issues)
    {
        var seen = new Dictionary<(string FullUrl, string? Version), int>();
        foreach (var entry in entries)
        {
            if (entry.FullUrl is { } fullUrl && !seen.TryAdd((fullUrl, entry.VersionId), entry.Index))
            {
                var first = seen[(fullUrl, entry.VersionId)];
                issues.Add(Error(IssueCodes.FullUrlRepeated, $"Bundle.entry[{entry.Index}].fullUrl",
                    $"The fullUrl '{MessageText.Value(fullUrl)}' is also Bundle.entry[{first}]'s"
                    + (entry.VersionId is { } version ? $", with the same meta.versionId '{MessageText.Value(version)}'" : ", and neither resource has a meta.versionId")
                    + ": a fullUrl SHALL be unique in a Bundle, or else the entries SHALL have different meta.versionId (bdl-7).",
                    OperationOutcome.IssueType.Invalid));
            }
        }
    }

    /// <summary>STM-BDL-006: a transaction updating, patching or deleting one resource in two entries.</summary>
    private static void RepeatedIdentities(IReadOnlyList<BundleEntry> entries, List<ValidationIssue> issues)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            // A conditional request's identity is the server's to resolve; only literal Type/id can be compared here.
            if (entry.Method is { } method && IdentityMethods.Contains(method) && entry.RequestUrl is { } url
                && url.TrimStart('/') is var identity && BundleUrls.IsRelativeRestful(identity) && !identity.Contains("/_history/", StringComparison.Ordinal)
                && !seen.TryAdd(identity, entry.Index))
            {
                issues.Add(Error(IssueCodes.TransactionIdentityRepeated, $"Bundle.entry[{entry.Index}].request.url",
                    $"This {method} and Bundle.entry[{seen[identity]}] both change {MessageText.Value(identity)}: a transaction whose resource identities overlap "
                    + "SHALL fail (FHIR R4 transaction processing rules). Change each resource in one entry.", OperationOutcome.IssueType.Invalid));
            }
        }
    }

    internal static ValidationIssue Error(string code, string expression, string message, OperationOutcome.IssueType type) =>
        new(OperationOutcome.IssueSeverity.Error, code, expression, message, type);
}
