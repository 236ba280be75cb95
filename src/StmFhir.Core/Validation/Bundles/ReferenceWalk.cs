using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation.FastPath;

namespace StmFhir.Core.Validation.Bundles;

/// <summary>
/// Every <c>Reference.reference</c> in resources (their contained resources and extensions included), with the
/// FHIRPath expression that reaches it, e.g. <c>Bundle.entry[3].resource.partOf[0].reference</c>. One walk over the
/// complex elements a POCO holds, read by name (<see cref="PocoElements"/>); the expression is written only for a
/// reference that is reported. Primitive elements are not entered: a reference in an extension of a primitive value
/// (<c>_status</c>) is not found, which spares a lookup of every primitive element of every resource.
/// </summary>
internal sealed class ReferenceWalk(Action<ReferenceWalk, string> found)
{
    // Per POCO type: its complex elements, and whether each is a choice (its JSON name then carries the value's type).
    private static readonly ConcurrentDictionary<Type, (string Name, bool Choice)[]> Elements = new();

    // The names, choice types and indexes from the resource down to the node being visited.
    private readonly List<(string Name, string? ChoiceType, int Index)> _path = [];
    private int _entry;

    /// <summary>Walks the resource of <c>Bundle.entry[<paramref name="entry"/>]</c>.</summary>
    public void Walk(Base resource, int entry)
    {
        _entry = entry;
        _path.Clear();
        Visit(resource);
    }

    /// <summary>The expression of the reference being reported, e.g. <c>Bundle.entry[1].resource.subject.reference</c>.</summary>
    public string Expression()
    {
        var text = new StringBuilder("Bundle.entry[").Append(_entry).Append("].resource");
        foreach (var (name, choiceType, index) in _path)
        {
            text.Append('.').Append(name);
            if (choiceType is not null)
            {
                text.Append(char.ToUpperInvariant(choiceType[0])).Append(choiceType, 1, choiceType.Length - 1);
            }
            if (index >= 0)
            {
                text.Append('[').Append(index).Append(']');
            }
        }
        return text.Append(".reference").ToString();
    }

    private static (string Name, bool Choice)[] Of(Type type) => Elements.GetOrAdd(type, static t =>
    {
        var (mapping, names) = PocoElements.Of(t);
        if (mapping is null)
        {
            return [];
        }
        return [.. names.Select(mapping.FindMappedElementByName).OfType<PropertyMapping>()
            .Where(static p => !p.IsPrimitive)
            .Select(static p => (p.Name, p.Choice == ChoiceType.DatatypeChoice))];
    });

    private void Visit(Base node)
    {
        // Bounded by the reader's depth limit; a thread low on stack stops here rather than failing the validation.
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            return;
        }
        if (node is ResourceReference && node.TryGetValue("reference", out var value) && value is PrimitiveType { JsonValue: string reference })
        {
            found(this, reference);
        }
        foreach (var (name, choice) in Of(node.GetType()))
        {
            if (!node.TryGetValue(name, out var child))
            {
                continue;
            }
            if (child is IReadOnlyList<Base> list)
            {
                for (var i = 0; i < list.Count; i++)
                {
                    Descend(list[i], name, choice, i);
                }
            }
            else if (child is Base single)
            {
                Descend(single, name, choice, -1);
            }
        }
    }

    private void Descend(Base? child, string name, bool choice, int index)
    {
        // A choice may hold a primitive (value[x]); a Bundle inside a resource resolves against its own entries.
        if (child is null or PrimitiveType or Bundle)
        {
            return;
        }
        _path.Add((name, choice ? child.TypeName : null, index));
        Visit(child);
        _path.RemoveAt(_path.Count - 1);
    }
}
