using Firely.Fhir.Validation;
using Newtonsoft.Json.Linq;
using StmFhir.Core.Validation.Definitions;

#pragma warning disable ExperimentalApi // Firely's assertion interfaces are marked experimental: unstable API, stable results.

namespace StmFhir.Core.Validation.FastPath;

/// <summary>
/// With the fast path, an extension slice's copy of its extension definition's children is not checked a second
/// time. The profiles' snapshots carry every extension slice expanded (<see cref="ExtensionSlices"/>: the SDK copies
/// the definition's children under the slice), so Firely's compiled slice checks a value against its own children
/// (and which of them are required) and against the definition it names (<c>ref</c>), which checks the same children
/// again. Where the slice's children and required list say nothing the definition does not say of the same value,
/// the first check can only repeat issues of the second, which Firely reports once: they are left out.
/// </summary>
/// <remarks>
/// Read from the compiled form, as the fast path's other rewrites are: the slice's <see cref="ChildrenValidator"/> is
/// covered by the definition's when both list the same children and every assertion of each slice child (a member of
/// its element schema, one JSON property: fixed value, cardinality, type reference, binding, invariant, its own
/// children) is one of the definition child's, element ids aside; its <see cref="RequiredValidator"/> when it equals
/// the definition's. The fast path's stand-ins write the JSON of the assertion they stand for. A slice whose children
/// the profile constrains (<c>Procedure.extension:technique.value[x]</c>, bound to an StmFhir ValueSet) keeps them.
/// Without the fast path Firely checks both, and the tests compare the two (VALIDATION.md).
/// </remarks>
internal static class ExtensionSliceCopies
{
    private const string CoreExtension = SchemaMemoRewriter.CoreBase + "Extension";

    /// <summary>
    /// <paramref name="slice"/> without what its extension definition checks anyway, or null when it names no
    /// extension definition or all of its own checks say more.
    /// </summary>
    public static ElementSchema? TryTrim(ElementSchema slice, Func<Canonical, ElementSchema?> schemas, Func<string, bool> isExtensionDefinition)
    {
        var reference = Members(slice).OfType<SchemaReferenceValidator>()
            .FirstOrDefault(r => r.SchemaUri.ToString() is var uri && uri != CoreExtension && isExtensionDefinition(uri));
        if (reference is null || !Members(slice).Any(m => m is ChildrenValidator or RequiredValidator) || schemas(reference.SchemaUri) is not { } definition)
        {
            return null;
        }
        var own = (JObject)WithoutIds(definition.ToJson());
        var left = 0;
        var trimmed = ((IAssertionContainer)slice).WithChildren((_, member) => member switch
        {
            ChildrenValidator children when Covered(ValueOf(children), own["children"]) => Count(ref left),
            RequiredValidator required when JToken.DeepEquals(ValueOf(required), own["required"]) => Count(ref left),
            _ => member,
        });
        return left == 0 ? null : (ElementSchema)trimmed;
    }

    private static IAssertion Count(ref int left)
    {
        left++;
        return ResultAssertion.SUCCESS;
    }

    private static IEnumerable<IAssertion> Members(IAssertionContainer container) => container.Children().Select(c => c.Child);

    // A member of an element schema writes itself as one property of the schema's JSON object.
    private static JToken? ValueOf(IAssertion member) => ((IJsonSerializable)member).ToJson() is JProperty property ? property.Value : null;

    /// <summary>Whether the slice's children (a <c>children</c> property) are the definition's, each saying no more.</summary>
    private static bool Covered(JToken? sliceChildren, JToken? definitionChildren)
    {
        if (sliceChildren is null || WithoutIds(sliceChildren) is not JObject slice || definitionChildren is not JObject definition
            || !slice.Properties().Select(c => c.Name).Order(StringComparer.Ordinal).SequenceEqual(definition.Properties().Select(c => c.Name).Order(StringComparer.Ordinal)))
        {
            return false;
        }
        return slice.Properties().All(child => child.Value is JObject mine && definition[child.Name] is JObject theirs
            && mine.Properties().All(assertion => theirs.TryGetValue(assertion.Name, out var same) && JToken.DeepEquals(assertion.Value, same)));
    }

    private static JToken WithoutIds(JToken json)
    {
        var copy = json.DeepClone();
        foreach (var id in copy.SelectTokens("$..id").OfType<JValue>().ToList())
        {
            id.Parent?.Remove();
        }
        return copy;
    }
}
