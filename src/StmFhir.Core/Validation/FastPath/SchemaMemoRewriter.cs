using System.Collections.Concurrent;
using Firely.Fhir.Validation;
using StmFhir.Core.Validation.Engine;

#pragma warning disable ExperimentalApi // Firely's schema-rewriting API (IAssertionContainer) is marked experimental: unstable API, stable results.

namespace StmFhir.Core.Validation.FastPath;

/// <summary>
/// Rewrites a compiled Firely schema so that references to context-free datatype schemas and bindings go through
/// <see cref="CleanElementMemo"/>, and so that work Firely repeats on every run is done once: slice discriminators
/// compiled once (<see cref="CompiledPathSelector"/>), the repetition check of a cardinality looked up once
/// (<see cref="ElementCardinality"/>), a few core invariants (dom-2..5, ref-1, the Bundle's, obs-6/7) answered without FHIRPath when plainly true
/// (<see cref="ShortcutInvariant"/>), ele-1 answered from the POCO when an element plainly has content
/// (<see cref="ShortcutEle1"/>), children absent from a value that have nothing to say when absent not matched one by one
/// (<see cref="PresentChildren"/>), an extension slice's copy of its definition's children not checked a second time
/// (<see cref="ExtensionSliceCopies"/>). Every other assertion stays Firely's own, and each stand-in falls back on
/// Firely's, so verdicts and messages do not change (VALIDATION.md, "Fast path").
/// Uses Firely's own schema-rewriting hook (<see cref="IAssertionContainer.WithChildren"/>).
/// </summary>
/// <remarks>
/// A datatype schema is only memoized when, read from its compiled form, every FHIRPath invariant in it reads
/// nothing but the element (no <c>%resource</c>/<c>%rootResource</c>, no <c>resolve()</c>) and none of its top-level
/// members validates a list as a whole (so a list passes exactly when each of its values passes).
/// </remarks>
/// <param name="schemas">The (rewritten) compiled schema of a canonical.</param>
/// <param name="isExtensionDefinition">Whether a canonical names an extension definition (core Extension included).</param>
/// <param name="memo">Where values known to pass are kept.</param>
internal sealed class SchemaMemoRewriter(Func<Canonical, ElementSchema?> schemas, Func<string, bool> isExtensionDefinition, CleanElementMemo memo)
{
    /// <summary>The base of the core StructureDefinitions' canonicals.</summary>
    internal const string CoreBase = "http://hl7.org/fhir/StructureDefinition/";
    private readonly ConcurrentDictionary<string, bool> _memoizable = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _localExtensions = new(StringComparer.Ordinal);
    private readonly CleanElementMemo _conditionsMet = new();
    private readonly CleanElementMemo _conditionsNotMet = new();
    private int _bindings;
    private int _conditions;

    public ElementSchema Rewrite(ElementSchema schema) => (ElementSchema)RewriteAssertion(default, schema);

    private IAssertion RewriteAssertion(AssertionStep step, IAssertion assertion) => assertion switch
    {
        SchemaReferenceValidator reference when IsMemoizable(reference.SchemaUri) => new MemoizedSchemaReference(reference, memo),
        SchemaReferenceValidator reference when isExtensionDefinition(reference.SchemaUri.ToString()) => new MemoizedExtensionReference(reference, memo, ExtensionIsLocal),
        BindingValidator binding => new MemoizedBinding(binding, memo, Interlocked.Increment(ref _bindings)),
        CardinalityValidator cardinality => new ElementCardinality(cardinality),
        FhirPathValidator invariant when ShortcutInvariant.TryCreate(invariant) is { } shortcut => shortcut,
        FhirEle1Validator ele1 when !FirelySettings.ExcludedInvariants.Contains(ele1.Key) => new ShortcutEle1(ele1),
        SliceValidator slicing => WithCompiledDiscriminators((SliceValidator)((IAssertionContainer)slicing).WithChildren(RewriteAssertion)),
        ChildrenValidator children => PresentChildren.For((ChildrenValidator)((IAssertionContainer)children).WithChildren(RewriteAssertion)),
        ElementSchema slice when ExtensionSliceCopies.TryTrim(slice, schemas, isExtensionDefinition) is { } trimmed => ((IAssertionContainer)trimmed).WithChildren(RewriteAssertion),
        IAssertionContainer container => container.WithChildren(RewriteAssertion),
        _ => assertion,
    };

    /// <summary>
    /// The slicing with each discriminator's FHIRPath compiled once (<see cref="CompiledPathSelector"/>); Firely's
    /// rewriting hook does not reach discriminators. What a discriminator checks on the values it selects
    /// (fixed value, pattern, binding, type, profile, existence) stays Firely's own: it decides which slice a value
    /// is judged by. Only whether a value met a condition that reads nothing but the value is remembered
    /// (<see cref="MemoizedSliceCondition"/>), which is all the slicing reads of it.
    /// </summary>
    private SliceValidator WithCompiledDiscriminators(SliceValidator slicing) =>
        new(slicing.Ordered, slicing.DefaultAtEnd, slicing.Default,
            slicing.Slices.Select(c => new SliceValidator.SliceCase(c.Name, RememberOutcomes(CompileDiscriminator(c.Condition)), c.Assertion, c.Required)),
            slicing.MultiCase);

    /// <summary>
    /// A condition whose outcome depends on the value only, with its outcomes remembered (<see cref="MemoizedSliceCondition"/>).
    /// </summary>
    private IAssertion RememberOutcomes(IAssertion condition) =>
        MemoizedSliceCondition.IsLocal(condition)
            ? new MemoizedSliceCondition(condition, _conditionsMet, _conditionsNotMet, Interlocked.Increment(ref _conditions))
            : condition;

    private static IAssertion CompileDiscriminator(IAssertion condition) => condition switch
    {
        PathSelectorValidator selector => (IAssertion?)CompiledPathSelector.TryCreate(selector) ?? selector,
        IAssertionContainer container => container.WithChildren(static (_, child) => CompileDiscriminator(child)),
        _ => condition,
    };

    private bool IsMemoizable(Canonical canonical)
    {
        var uri = canonical.ToString();
        if (!uri.StartsWith(CoreBase, StringComparison.Ordinal) || !CleanElementMemo.ContextFreeTypes.Contains(uri[CoreBase.Length..]))
        {
            return false;
        }
        if (_memoizable.TryGetValue(uri, out var known))
        {
            return known;
        }
        _memoizable[uri] = false; // while it is being looked at (a cycle is not memoized)
        var schema = schemas(canonical);
        var memoizable = schema is not null
            && ((IAssertionContainer)schema).Children().All(static c => ValueByValue(c.Child))
            && OnlyLocalInvariants(schema);
        _memoizable[uri] = memoizable;
        return memoizable;
    }

    /// <summary>
    /// Whether validating an extension with this url reads nothing but the extension and the names and types of
    /// the elements above it: its definition is known, its FHIRPath invariants are local, and its contexts are
    /// elements, datatypes or resources (not a FHIRPath expression, not another extension), with no context invariant.
    /// </summary>
    private bool ExtensionIsLocal(string url) => _localExtensions.GetOrAdd(url, u =>
        Uri.IsWellFormedUriString(u, UriKind.Absolute) && schemas(new Canonical(u)) is ExtensionSchema schema && OnlyLocalInvariants(schema));

    /// <summary>
    /// Whether an assertion at the top of a datatype schema judges a list of values as each value on its own (no
    /// cardinality, no slicing over the list). Children are per value by construction; a nested schema (a
    /// primitive's value) is when its members are; a schema reference is, to a datatype schema.
    /// </summary>
    private static bool ValueByValue(IAssertion assertion) => assertion switch
    {
        CardinalityValidator or ElementCardinality or SliceValidator => false,
        ElementSchema nested => ((IAssertionContainer)nested).Children().All(static c => ValueByValue(c.Child)),
        SchemaReferenceValidator or MemoizedSchemaReference => true,
        IGroupValidatable => false,
        _ => true,
    };

    private static bool OnlyLocalInvariants(IAssertion assertion) => assertion switch
    {
        ExtensionContextValidator context => context.Invariants.Count == 0 && context.Contexts.All(static c =>
            c.Type is ExtensionContextValidator.ContextType.ELEMENT or ExtensionContextValidator.ContextType.DATATYPE or ExtensionContextValidator.ContextType.RESOURCE),
        ShortcutInvariant shortcut => OnlyLocalInvariants(shortcut.Inner),
        FhirPathValidator invariant => !invariant.Expression.Contains('%', StringComparison.Ordinal)
            && !invariant.Expression.Contains("resolve", StringComparison.Ordinal),
        // Only runs on a Reference, and a value holding one is never remembered (CleanElementMemo.ContextFreeTypes).
        ReferencedInstanceValidator => true,
        IAssertionContainer container => container.Children().All(c => OnlyLocalInvariants(c.Child)),
        _ => true,
    };
}
