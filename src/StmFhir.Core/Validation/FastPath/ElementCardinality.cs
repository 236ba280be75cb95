using System.Collections.Concurrent;
using Firely.Fhir.Validation;
using Hl7.Fhir.ElementModel;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;
using Newtonsoft.Json.Linq;

#pragma warning disable ExperimentalApi // Firely's assertion interfaces are marked experimental: unstable API, stable results.

namespace StmFhir.Core.Validation.FastPath;

/// <summary>
/// Stands for a Firely <see cref="CardinalityValidator"/> on an element. Handed a single value (not part of a list),
/// Firely first asks whether the element repeats, to report a single value where FHIR JSON wants an array; it asks
/// the value's <c>ITypedElement.Definition</c>, which searches every node up to the resource for its model
/// annotation, allocating at each, for every single-valued element of every resource. The answer depends only on
/// the model, the parent's type and the element's name, so it is looked up once per model, type and name. Firely
/// counts and reports as before: a value that repeats, or whose name the model does not declare, goes to Firely.
/// </summary>
/// <remarks>
/// Firely asks <c>Definition</c> (the model found on the node tree) and falls back on the settings' model. Firely's
/// validator puts its settings' model (<see cref="ValidationSettings.ModelInspector"/>) on every root node it makes,
/// and nothing else in the engine annotates nodes or POCOs with a model, so both are the settings' model, which
/// is in the key.
/// </remarks>
internal sealed class ElementCardinality(CardinalityValidator inner) : IGroupValidatable
{
    private static readonly ConcurrentDictionary<(ModelInspector Model, Type Parent, Type Value, string Name), bool> Repeats = new();

    public CardinalityValidator Inner => inner;

    public ResultReport Validate(IEnumerable<PocoNode> input, ValidationSettings vc, ValidationState state)
    {
        // Firely judges a lone value (no index) under a parent as one value, after the repetition check; for a
        // value that does not repeat that is its single-value validation.
        if (input is PocoNode { Index: null, Parent: { } parent, Name: { } } node
            && (parent.Poco is IDynamicType || RepeatsNot(node, parent, vc)))
        {
            return ((IValidatable)inner).Validate(node, vc, state);
        }
        return ((IGroupValidatable)inner).Validate(input, vc, state);
    }

    public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state) =>
        ((IValidatable)inner).Validate(input, vc, state);

    public JToken ToJson() => inner.ToJson();

    /// <summary>True when the model declares the element and it does not repeat; false when unsure.</summary>
    private static bool RepeatsNot(PocoNode node, PocoNode parent, ValidationSettings vc)
    {
        if (vc.ModelInspector is not { } model)
        {
            return false;
        }
        var key = (model, parent.Poco.GetType(), node.Poco.GetType(), node.Name);
        if (!Repeats.TryGetValue(key, out var repeats))
        {
            // Firely's own lookup, once per key. Names the model does not declare (unknown elements in the input)
            // are not remembered, so the map holds at most the model's elements.
            var definition = ((ITypedElement)node).Definition
                ?? model.FindOrImportClassMapping(parent.Poco)?.FindMappedElementByName(node.Name);
            if (definition is null)
            {
                return false;
            }
            repeats = Repeats.GetOrAdd(key, definition.IsCollection);
        }
        return !repeats;
    }
}
