using System.Collections.Concurrent;
using Firely.Fhir.Validation;
using Hl7.Fhir.ElementModel;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.FhirPath;

#pragma warning disable ExperimentalApi // FhirPathValidator.DefaultCompiler sits in Firely's experimental validation API.

namespace StmFhir.Core.Validation.Bounds;

/// <summary>dom-3's verdict on a resource (<see cref="ContainedReferences"/>).</summary>
internal enum Dom3Verdict
{
    /// <summary>Every contained resource is referred to, or refers to its container.</summary>
    Holds,

    /// <summary>A contained resource is neither (and none before it makes the evaluation throw).</summary>
    Fails,

    /// <summary>Firely's evaluation throws, at <see cref="Dom3Facts.Thrower"/>.</summary>
    Throws,
}

/// <summary>
/// What dom-3 reads of a resource, from one walk of its nodes (the nodes FHIRPath walks: <see cref="PocoNode.Children"/>):
/// R (the values that count as references to a contained resource) and, per contained resource, whether a
/// descendant of it refers to its container (<c>reference = '#'</c>, a canonical <c>'#'</c>).
/// </summary>
internal sealed class Dom3Facts(PocoNode resource)
{
    // Whether nodes of a POCO type and FHIR instance type are canonical / canonical, uri or url, answered by Firely's
    // FHIRPath itself (its `as` follows the model's type names and the POCO class hierarchy), once per pair.
    private static readonly ConcurrentDictionary<(Type Poco, string Type), (bool UriLike, bool Canonical)> Kinds = new();
    private static readonly Lazy<CompiledExpression> s_isUriLike = new(() => FhirPathValidator.DefaultCompiler.Compile("(as(canonical) | as(uri) | as(url)).exists()"));
    private static readonly Lazy<CompiledExpression> s_isCanonical = new(() => FhirPathValidator.DefaultCompiler.Compile("as(canonical).exists()"));

    /// <summary>The contained resource whose id makes the evaluation throw, when <see cref="Verdict"/> says so.</summary>
    public PocoNode? Thrower { get; private set; }

    public Dom3Verdict Verdict()
    {
        var contained = resource.Children().Where(static c => c.Name == "contained").SelectMany(static c => c).ToList();
        if (contained.Count == 0)
        {
            return Dom3Verdict.Holds;
        }
        var references = new HashSet<string>(StringComparer.Ordinal);
        var refersToContainer = new bool[contained.Count];
        Walk(references, refersToContainer);
        for (var i = 0; i < contained.Count; i++)
        {
            var ids = contained[i].Children().Where(static c => c.Name == "id").SelectMany(static c => c).ToList();
            object? id = ids.Count == 1 ? ((ITypedElement)ids[0]).Value : null;
            if (ids.Count > 1 || id is not (null or string))
            {
                Thrower = contained[i];
                return Dom3Verdict.Throws;
            }
            // '#' + id: empty (so not in R) when the id is missing or has no value.
            var referred = id is string text && references.Contains("#" + text);
            if (!referred && !refersToContainer[i])
            {
                return Dom3Verdict.Fails;
            }
        }
        return Dom3Verdict.Holds;
    }

    /// <summary>
    /// Every node below the resource once: its value into R when it is a canonical, uri or url (any depth) or a
    /// <c>reference</c> child of a descendant (depth 2 on); and, below a contained resource, whether it refers to its
    /// container: a descendant whose only <c>reference</c> child is <c>'#'</c>, or a canonical descendant <c>'#'</c>.
    /// </summary>
    private void Walk(HashSet<string> references, bool[] refersToContainer)
    {
        var pending = new Stack<(PocoNode Node, int Depth, int Contained)>();
        pending.Push((resource, 0, -1));
        while (pending.TryPop(out var item))
        {
            WalkGuard.Check();
            var (node, depth, index) = item;
            var referenceChildren = 0;
            var onlyReferenceIsHash = false;
            var nextContained = 0;
            foreach (var child in node.Children().SelectMany(static c => c))
            {
                // The root's children come in the order Verdict listed the contained resources in.
                var at = depth == 0 ? (child.Name == "contained" ? nextContained++ : -1) : index;
                var value = ((ITypedElement)child).Value as string;
                var (uriLike, canonical) = Kind(child);
                if (value is not null && (uriLike || (child.Name == "reference" && depth + 1 >= 2)))
                {
                    references.Add(value);
                }
                if (at >= 0 && depth + 1 >= 2 && canonical && value == "#")
                {
                    refersToContainer[at] = true;
                }
                if (child.Name == "reference")
                {
                    referenceChildren++;
                    onlyReferenceIsHash = value == "#";
                }
                pending.Push((child, depth + 1, at));
            }
            if (index >= 0 && depth >= 2 && referenceChildren == 1 && onlyReferenceIsHash)
            {
                refersToContainer[index] = true;
            }
        }
    }

    private static (bool UriLike, bool Canonical) Kind(PocoNode node) =>
        Kinds.GetOrAdd((node.Poco.GetType(), ((ITypedElement)node).InstanceType ?? ""), static (_, n) =>
            (s_isUriLike.Value.IsTrue(n, new FhirEvaluationContext()), s_isCanonical.Value.IsTrue(n, new FhirEvaluationContext())), node);
}
