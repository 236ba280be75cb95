using Hl7.Fhir.Model;

namespace StmFhir.Core.Validation.Bundles;

/// <summary>
/// STM-BDL-005: references the specification requires to resolve within a Bundle, resolved as the Bundle page's
/// "Resolving references in Bundles" says: an absolute reference matches an entry's fullUrl; a relative
/// <c>Type/id</c> is made absolute against the referring entry's fullUrl when that is a RESTful URL, and otherwise
/// cannot be resolved; a version-specific reference matches without its version, and then on <c>meta.versionId</c>.
/// </summary>
internal static class BundleReferences
{
    /// <summary>
    /// In a transaction, every <c>urn:uuid:</c> and <c>urn:oid:</c> reference (in every entry's resource and its
    /// contained resources) must name an entry: it has no meaning outside the Bundle, and the server replaces it with
    /// the id of the entry it names. Other references may name resources on the server.
    /// </summary>
    public static void CheckTransaction(IReadOnlyList<BundleEntry> entries, List<ValidationIssue> issues)
    {
        var fullUrls = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (entry.FullUrl is { } fullUrl)
            {
                fullUrls.Add(fullUrl);
            }
        }
        var walk = new ReferenceWalk((at, reference) =>
        {
            if (BundleUrls.IsUrn(reference) && !fullUrls.Contains(reference))
            {
                issues.Add(BundleRules.Error(IssueCodes.ReferenceNotInBundle, at.Expression(),
                    $"The reference '{MessageText.Value(reference)}' names no entry of this transaction: a urn:uuid or urn:oid reference has a meaning only "
                    + "inside the Bundle, where the server replaces it with the id of the entry whose fullUrl it is. Add that entry, or refer to the resource as Type/id.",
                    OperationOutcome.IssueType.NotFound));
            }
        });
        foreach (var entry in entries)
        {
            // A Bundle inside an entry resolves its references against its own entries.
            if (entry.Resource is { } resource and not Bundle)
            {
                walk.Walk(resource, entry.Index);
            }
        }
    }

    /// <summary>
    /// In a document, the resources the Composition (the first entry) refers to must be entries of the Bundle
    /// (R4 Composition: "any other resources referenced from Composition must be included as subsequent entries in the
    /// Bundle"): its subject, encounter, authors, attesters, custodian, event details, and each section's authors,
    /// focus and entries. <c>relatesTo</c> names other documents, and references between the other entries need not
    /// resolve (the HL7 validator only hints at them). A first entry that is not a Composition is bdl-11's (Firely).
    /// </summary>
    public static void CheckDocument(IReadOnlyList<BundleEntry> entries, List<ValidationIssue> issues)
    {
        if (entries.Count == 0 || entries[0] is not { Index: 0, Resource: Composition composition } first)
        {
            return;
        }
        var byFullUrl = new Dictionary<string, List<BundleEntry>>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (entry.FullUrl is { } fullUrl)
            {
                (byFullUrl.TryGetValue(fullUrl, out var list) ? list : byFullUrl[fullUrl] = []).Add(entry);
            }
        }
        foreach (var (node, path) in CompositionReferences(composition, "Bundle.entry[0].resource"))
        {
            if (BundleElements.Text(node, "reference") is { } reference && Unresolved(reference, first.FullUrl, byFullUrl) is { } why)
            {
                issues.Add(BundleRules.Error(IssueCodes.ReferenceNotInBundle, path + ".reference",
                    $"The Composition refers to '{MessageText.Value(reference)}', which is not in this document: {why}. "
                    + "A document Bundle SHALL hold every resource its Composition refers to.", OperationOutcome.IssueType.NotFound));
            }
        }
    }

    /// <summary>Why <paramref name="reference"/> does not resolve within the Bundle, or null when it does.</summary>
    private static string? Unresolved(string reference, string? referrerFullUrl, Dictionary<string, List<BundleEntry>> byFullUrl)
    {
        if (reference.StartsWith('#'))
        {
            return null; // a contained resource: ref-1 and dom-3 are Firely's
        }
        var (url, version) = BundleUrls.SplitVersion(reference);
        string absolute;
        if (BundleUrls.IsAbsolute(url))
        {
            absolute = url;
        }
        else if (BundleUrls.IsRelativeRestful(url) && referrerFullUrl is not null && BundleUrls.TryRestful(referrerFullUrl, out var root, out _, out _, out _))
        {
            absolute = root + url;
        }
        else
        {
            return $"a relative reference resolves only against a RESTful fullUrl of the entry that holds it, and the Composition's fullUrl is {(referrerFullUrl is null ? "missing" : $"'{MessageText.Value(referrerFullUrl)}'")}; refer to the entry by its fullUrl";
        }
        if (!byFullUrl.TryGetValue(absolute, out var matches))
        {
            return $"no entry has the fullUrl '{MessageText.Value(absolute)}'";
        }
        if (version is not null && !matches.Any(m => m.VersionId == version))
        {
            var held = string.Join(", ", matches.Select(m => m.VersionId is { } v ? $"'{MessageText.Value(v)}'" : "none"));
            return $"it names version '{MessageText.Value(version)}', and the entry with the fullUrl '{MessageText.Value(absolute)}' has meta.versionId {held}";
        }
        return null;
    }

    private static IEnumerable<(Base Node, string Path)> CompositionReferences(Composition composition, string path)
    {
        foreach (var single in new[] { "subject", "encounter", "custodian" })
        {
            if (BundleElements.One(composition, single) is { } node)
            {
                yield return (node, $"{path}.{single}");
            }
        }
        foreach (var item in Indexed(composition, "author", path))
        {
            yield return item;
        }
        foreach (var (attester, at) in Indexed(composition, "attester", path))
        {
            if (BundleElements.One(attester, "party") is { } party)
            {
                yield return (party, at + ".party");
            }
        }
        foreach (var (compositionEvent, at) in Indexed(composition, "event", path))
        {
            foreach (var item in Indexed(compositionEvent, "detail", at))
            {
                yield return item;
            }
        }
        foreach (var item in SectionReferences(composition, path))
        {
            yield return item;
        }
    }

    private static IEnumerable<(Base Node, string Path)> SectionReferences(Base parent, string path)
    {
        foreach (var (section, at) in Indexed(parent, "section", path))
        {
            foreach (var item in Indexed(section, "author", at))
            {
                yield return item;
            }
            if (BundleElements.One(section, "focus") is { } focus)
            {
                yield return (focus, at + ".focus");
            }
            foreach (var item in Indexed(section, "entry", at))
            {
                yield return item;
            }
            foreach (var item in SectionReferences(section, at))
            {
                yield return item;
            }
        }
    }

    private static IEnumerable<(Base Node, string Path)> Indexed(Base parent, string name, string path)
    {
        var items = BundleElements.Many(parent, name);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is { } item)
            {
                yield return (item, $"{path}.{name}[{i}]");
            }
        }
    }
}
