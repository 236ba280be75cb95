using System.Collections.Concurrent;
using Firely.Fhir.Validation;

#pragma warning disable ExperimentalApi // Firely's schema-rewriting API (IAssertionContainer) is marked experimental: unstable API, stable results.

namespace StmFhir.Core.Validation.Conformance;

/// <summary>
/// Rewrites a compiled Firely schema so that references to context-free datatype schemas and bindings go through
/// <see cref="CleanElementMemo"/>; every other assertion stays Firely's own, so verdicts and messages do not change.
/// Uses Firely's own schema-rewriting hook (<see cref="IAssertionContainer.WithChildren"/>).
/// </summary>
/// <remarks>
/// A datatype schema is only memoized when, read from its compiled form, every FHIRPath invariant in it reads
/// nothing but the element (no <c>%resource</c>/<c>%rootResource</c>, no <c>resolve()</c>) and none of its top-level
/// members validates a list as a whole (so a list passes exactly when each of its values passes).
/// </remarks>
internal sealed class SchemaMemoRewriter(Func<Canonical, ElementSchema?> schemas, CleanElementMemo memo)
{
    private const string CoreBase = "http://hl7.org/fhir/StructureDefinition/";
    private readonly ConcurrentDictionary<string, bool> _memoizable = new(StringComparer.Ordinal);
    private int _bindings;

    public ElementSchema Rewrite(ElementSchema schema) => (ElementSchema)RewriteAssertion(default, schema);

    private IAssertion RewriteAssertion(AssertionStep step, IAssertion assertion) => assertion switch
    {
        SchemaReferenceValidator reference when IsMemoizable(reference.SchemaUri) => new MemoizedSchemaReference(reference, memo),
        BindingValidator binding => new MemoizedBinding(binding, memo, Interlocked.Increment(ref _bindings)),
        IAssertionContainer container => container.WithChildren(RewriteAssertion),
        _ => assertion,
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
            && !((IAssertionContainer)schema).Children().Any(static c => c.Child is IGroupValidatable)
            && OnlyLocalInvariants(schema);
        _memoizable[uri] = memoizable;
        return memoizable;
    }

    private static bool OnlyLocalInvariants(IAssertion assertion) => assertion switch
    {
        FhirPathValidator invariant => !invariant.Expression.Contains('%', StringComparison.Ordinal)
            && !invariant.Expression.Contains("resolve", StringComparison.Ordinal),
        ReferencedInstanceValidator => false,
        IAssertionContainer container => container.Children().All(c => OnlyLocalInvariants(c.Child)),
        _ => true,
    };
}
