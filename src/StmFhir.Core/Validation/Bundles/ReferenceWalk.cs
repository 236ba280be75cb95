using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;
using StmFhir.Core.Validation.FastPath;

namespace StmFhir.Core.Validation.Bundles;

/// <summary>
/// Every <c>Reference.reference</c> in a resource (its contained resources included), with the FHIRPath expression
/// that reaches it, e.g. <c>Bundle.entry[3].resource.partOf[0].reference</c>. One walk over the elements the POCO
/// holds (read by name, <see cref="PocoElements"/>); the expression is written only for a reference that is reported.
/// </summary>
internal static class ReferenceWalk
{
    // Per POCO type: each element's name, and whether it is a choice (its JSON name then carries the value's type).
    private static readonly ConcurrentDictionary<Type, (string Name, bool Choice)[]> Elements = new();

    /// <summary>Calls <paramref name="found"/> with each reference's text and its expression.</summary>
    public static void Each(Base resource, string path, Action<string, string> found)
    {
        var walk = new Walk(path, found);
        walk.Visit(resource);
    }

    private static (string Name, bool Choice)[] Of(Type type) => Elements.GetOrAdd(type, static t =>
    {
        var (mapping, names) = PocoElements.Of(t);
        return mapping is null ? [] : [.. names.Select(n => (n, mapping.FindMappedElementByName(n)?.Choice == ChoiceType.DatatypeChoice))];
    });

    private sealed class Walk(string root, Action<string, string> found)
    {
        // The names and indexes from the resource down to the node being visited.
        private readonly List<(string Name, int Index)> _path = [];

        public void Visit(Base node)
        {
            // Bounded by the reader's depth limit; a thread low on stack stops here rather than failing the validation.
            if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            {
                return;
            }
            if (node is ResourceReference && node.TryGetValue("reference", out var value) && value is PrimitiveType { JsonValue: string reference })
            {
                found(reference, Expression());
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
            // Primitives hold no reference but in their extensions, which the walk reaches through them.
            if (child is null || child is PrimitiveType && !child.TryGetValue("extension", out _))
            {
                return;
            }
            _path.Add((choice ? name + char.ToUpperInvariant(child.TypeName[0]) + child.TypeName[1..] : name, index));
            Visit(child);
            _path.RemoveAt(_path.Count - 1);
        }

        private string Expression()
        {
            var text = new StringBuilder(root);
            foreach (var (name, index) in _path)
            {
                text.Append('.').Append(name);
                if (index >= 0)
                {
                    text.Append('[').Append(index).Append(']');
                }
            }
            return text.Append(".reference").ToString();
        }
    }
}
