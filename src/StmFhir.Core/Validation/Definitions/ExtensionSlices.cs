using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Snapshot;

namespace StmFhir.Core.Validation.Definitions;

/// <summary>
/// Expands the extension slices of a generated snapshot to their children, as the HL7 IG publisher does. The SDK's
/// generator expands a slice typed with an extension profile only when the differential constrains one of its
/// children (<c>Procedure.extension:technique.value[x]</c>); a slice the differential leaves alone stops at the slice
/// itself (<c>Procedure.extension:pressure</c>). Validators that read only the published snapshot (Medplum) match an
/// extension to its slice by the slice's <c>url</c> child and its fixed value, so without the children they find no
/// extension in any slice and report every required one as missing.
/// </summary>
internal static class ExtensionSlices
{
    /// <summary>
    /// Puts the children of every childless extension slice of <paramref name="sd"/>'s snapshot in place, copied by
    /// the SDK's own <see cref="SnapshotGenerator.ExpandElementAsync(IList{ElementDefinition}, ElementDefinition)"/>
    /// from the extension's snapshot (so <c>url</c> carries the extension's canonical as <c>fixedUri</c> and
    /// <c>value[x]</c> its types and binding); slices inside an expanded complex extension are expanded in turn.
    /// The extensions' own snapshots must exist (<see cref="ProfileSet"/> generates dependencies first).
    /// </summary>
    /// <returns>What the generator reported while expanding.</returns>
    public static IReadOnlyList<OperationOutcome.IssueComponent> Expand(StructureDefinition sd, SnapshotGenerator generator)
    {
        var issues = new List<OperationOutcome.IssueComponent>();
        if (sd.Snapshot is null)
        {
            return issues;
        }
        IList<ElementDefinition> elements = sd.Snapshot.Element;
        var expanded = false;
        // The list grows while it is walked: children put in place are visited after their slice.
        for (var i = 0; i < elements.Count; i++)
        {
            if (!IsProfiledExtensionSlice(elements[i]) || HasChildren(elements, i))
            {
                continue;
            }
            elements = generator.ExpandElementAsync(elements, elements[i]).GetAwaiter().GetResult();
            issues.AddRange(generator.Outcome?.Issue ?? []);
            elements = WithoutNestedSlices(elements, elements[i]);
            expanded = true;
        }
        if (expanded)
        {
            sd.Snapshot.Element = [.. elements];
        }
        return issues;
    }

    /// <summary>
    /// The expansion without the slices it brought inside the slice (the sub-extensions of a complex extension,
    /// <c>Procedure.extension:strokePattern.extension:rhythm</c>), and their children. Slices within a slice are valid
    /// FHIR, but Medplum 4.5.2 reads every element with a <c>sliceName</c> as a slice of the outermost slicing it is
    /// in, so each sub-extension became a required slice of <c>Procedure.extension</c> that no extension matched, and
    /// the complex extension lost its own <c>url</c> to the last one. The sub-extensions stay defined where they were,
    /// in the extension's own snapshot, which the slice's type profile names; the slice keeps its <c>extension</c>
    /// child (with its cardinality and slicing), fixed <c>url</c> and <c>value[x]</c>.
    /// </summary>
    private static List<ElementDefinition> WithoutNestedSlices(IList<ElementDefinition> elements, ElementDefinition slice)
    {
        var inside = slice.ElementId + ".";
        return [.. elements.Where(e => e.ElementId is not { } id || !id.StartsWith(inside, StringComparison.Ordinal) || !id[inside.Length..].Contains(':', StringComparison.Ordinal))];
    }

    /// <summary>An element that is a slice of <c>extension</c> or <c>modifierExtension</c>.</summary>
    public static bool IsExtensionSlice(ElementDefinition element) =>
        element.SliceName is not null
        && (element.Path is { } path && (path.EndsWith(".extension", StringComparison.Ordinal) || path.EndsWith(".modifierExtension", StringComparison.Ordinal)))
        && element.Type.Count == 1 && element.Type[0].Code == "Extension";

    /// <summary>Whether the element at <paramref name="index"/> is followed by a child of its own.</summary>
    public static bool HasChildren(IList<ElementDefinition> elements, int index) =>
        index + 1 < elements.Count && elements[index + 1].Path?.StartsWith(elements[index].Path + ".", StringComparison.Ordinal) == true;

    private static bool IsProfiledExtensionSlice(ElementDefinition element) => IsExtensionSlice(element) && element.Type[0].Profile.Any();
}
