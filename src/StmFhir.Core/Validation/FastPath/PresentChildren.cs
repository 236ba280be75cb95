using System.Collections.Concurrent;
using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Newtonsoft.Json.Linq;

#pragma warning disable ExperimentalApi // Firely's assertion interfaces are marked experimental: unstable API, stable results.

namespace StmFhir.Core.Validation.FastPath;

/// <summary>
/// Stands for a Firely <see cref="ChildrenValidator"/> (the assertions on an element's children, by name), handing
/// Firely's own validator only the children that are in the value or that have something to say when absent.
/// </summary>
/// <remarks>
/// <para>
/// Firely (3.6.0) matches every child the schema declares, present or not: a resource declares 20-40, a value
/// typically has a handful. For each absent one it scans the value's children, makes an empty list node, a match, a
/// new <see cref="ValidationState"/> (with a logger and its dictionary) and a definition path, and validates the
/// empty list against the child's schema. For a plain <see cref="ElementSchema"/> that validation runs only the
/// schema's slicings (<c>ElementSchema.ValidateInternal</c> on no values: <c>Members.OfType&lt;SliceValidator&gt;()</c>)
/// and is <see cref="ResultReport.SUCCESS"/> when it has none; the combined report drops such successes
/// (<see cref="ResultReport.Combine"/> keeps only reports with a failure or evidence), and nothing of the work is
/// kept elsewhere. Required children are checked by the parent (<see cref="RequiredValidator"/>), not here.
/// </para>
/// <para>
/// So a child is left out of the validator handed to Firely only when both hold: its schema is a plain
/// <see cref="ElementSchema"/> with no <see cref="SliceValidator"/> at its top, and the value has no element of that
/// name (<see cref="Base.TryGetValue"/>, which reads what <c>PocoNode.Children()</c> lists for a POCO without
/// overflow, <see cref="PocoElements"/>). Every other child, and every element the schema does not know (reported
/// as unknown, as before), is Firely's as before, in Firely's order. A value with overflow, a primitive or a dynamic
/// type goes to Firely's validator whole. The validators with children left out are made once per shape (which
/// children are present) and kept, at most <see cref="MaxShapes"/> per element.
/// </para>
/// </remarks>
internal sealed class PresentChildren : IValidatable, IAssertionContainer, IJsonSerializable
{
    /// <summary>How many shapes of one element are kept; past that, Firely's validator takes the others.</summary>
    internal const int MaxShapes = 64;

    private readonly ChildrenValidator _inner;
    private readonly string[] _names;
    private readonly ulong _always;
    private readonly ulong _all;
    private readonly ConcurrentDictionary<ulong, ChildrenValidator> _shapes = new();
    private int _shapesMade;

    private PresentChildren(ChildrenValidator inner, string[] names, ulong always)
    {
        _inner = inner;
        _names = names;
        _always = always;
        _all = Every(names.Length);
    }

    public ChildrenValidator Inner => _inner;

    /// <summary>How many shapes have a validator of their own.</summary>
    internal int ShapeCount => _shapes.Count;

    /// <summary>The stand-in, or the validator itself when no child can be left out (or it has more than 64).</summary>
    public static IAssertion For(ChildrenValidator inner)
    {
        var names = inner.ChildList.Keys.ToArray();
        if (names.Length is 0 or > 64)
        {
            return inner;
        }
        var always = 0UL;
        var index = 0;
        foreach (var child in inner.ChildList.Values)
        {
            if (!SilentWhenAbsent(child))
            {
                always |= 1UL << index;
            }
            index++;
        }
        return always == Every(names.Length) ? inner : new PresentChildren(inner, names, always);
    }

    /// <summary>The shape with all of <paramref name="count"/> children (1 to 64) in it; a shift by 64 would be a shift by 0.</summary>
    private static ulong Every(int count) => count == 64 ? ulong.MaxValue : (1UL << count) - 1;

    /// <summary>
    /// Whether Firely's validation of no values against this child's schema is <see cref="ResultReport.SUCCESS"/>
    /// whatever the settings and state: a plain element schema (not a subclass, which may validate differently)
    /// without slicing at its top.
    /// </summary>
    internal static bool SilentWhenAbsent(IAssertion child) =>
        child.GetType() == typeof(ElementSchema)
        && ((IAssertionContainer)child).Children().All(static c => c.Child is not SliceValidator);

    public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state)
    {
        var poco = input.Poco;
        if (input is PrimitiveNode || poco is PrimitiveType or DynamicDataType || poco.HasOverflow)
        {
            return ((IValidatable)_inner).Validate(input, vc, state);
        }
        var shape = _always;
        for (var i = 0; i < _names.Length; i++)
        {
            var bit = 1UL << i;
            if ((shape & bit) == 0 && poco.TryGetValue(_names[i], out _))
            {
                shape |= bit;
            }
        }
        if (shape == _all || ValidatorFor(shape) is not { } present)
        {
            return ((IValidatable)_inner).Validate(input, vc, state);
        }
        return ((IValidatable)present).Validate(input, vc, state);
    }

    private ChildrenValidator? ValidatorFor(ulong shape)
    {
        if (_shapes.TryGetValue(shape, out var known))
        {
            return known;
        }
        // Counted apart: ConcurrentDictionary.Count takes every lock of the dictionary. Racing threads may make a
        // shape or two past the limit; what they make is Firely's validator all the same.
        if (Volatile.Read(ref _shapesMade) >= MaxShapes)
        {
            return null;
        }
        // In Firely's order (a new dictionary enumerates in insertion order), so the evidence comes in the same order.
        var children = new List<KeyValuePair<string, IAssertion>>();
        var index = 0;
        foreach (var child in _inner.ChildList)
        {
            if ((shape & (1UL << index)) != 0)
            {
                children.Add(child);
            }
            index++;
        }
        var made = _shapes.GetOrAdd(shape, new ChildrenValidator(children, _inner.AllowAdditionalChildren));
        Interlocked.Increment(ref _shapesMade);
        return made;
    }

    IAssertion IAssertionContainer.WithChildren(Func<AssertionStep, IAssertion, IAssertion> rewrite) =>
        ((IAssertionContainer)_inner).WithChildren(rewrite) is ChildrenValidator rewritten && !ReferenceEquals(rewritten, _inner)
            ? For(rewritten)
            : this;

    public JToken ToJson() => _inner.ToJson();
}
