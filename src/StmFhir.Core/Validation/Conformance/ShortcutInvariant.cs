using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Newtonsoft.Json.Linq;

#pragma warning disable ExperimentalApi // Firely's assertion interfaces are marked experimental: unstable API, stable results.

namespace StmFhir.Core.Validation.Conformance;

/// <summary>
/// Stands for one of a few core FHIRPath invariants, checked on every resource or every Reference, whose outcome
/// is plainly true for most input: success without running FHIRPath when the input is such, Firely's own
/// evaluation otherwise. Each is matched by key and exact expression text, so a changed definition is Firely's.
/// </summary>
/// <remarks>
/// FHIRPath reaches a child through <c>PocoNode.Child</c>, i.e. <c>Base.TryGetValue</c>, which is what is read here.
/// <list type="bullet">
/// <item>dom-2, dom-3, dom-4, dom-5 (every DomainResource) start from <c>contained</c>: with no contained resource
/// each is an <c>empty()</c> of an empty collection (dom-4: two, joined by <c>and</c>), i.e. true.</item>
/// <item>ref-1 as Firely corrects it (every Reference): <c>reference.exists() implies (reference.startsWith('#').not()
/// or ...)</c>. With no <c>reference</c> the left of <c>implies</c> is false, so true; with one string not starting
/// with '#' the first operand of <c>or</c> is true, so true. Neither of the other operands can fail on a single
/// string, and <c>trace</c> has no tracer to call in Firely's evaluation context.</item>
/// </list>
/// Only when the settings name no FHIRPath compiler (Firely's default then, as here).
/// </remarks>
internal sealed class ShortcutInvariant : IValidatable
{
    private static readonly Dictionary<(string Key, string Expression), Func<Base, bool>> Known = new()
    {
        [("dom-2", "contained.contained.empty()")] = NoContained,
        [("dom-3", "contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | %resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = '#').exists()).not()).trace('unmatched', id).empty()")] = NoContained,
        [("dom-4", "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()")] = NoContained,
        [("dom-5", "contained.meta.security.empty()")] = NoContained,
        [("ref-1", "reference.exists() implies (reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids')) or (reference='#' and %rootResource!=%resource))")] = NoLocalReference,
    };

    private readonly Func<Base, bool> _holds;

    private ShortcutInvariant(FhirPathValidator inner, Func<Base, bool> holds)
    {
        Inner = inner;
        _holds = holds;
    }

    public FhirPathValidator Inner { get; }

    /// <summary>The engine's settings, whose filters a wrapped invariant would escape.</summary>
    private static readonly ValidationSettings Settings = FirelySettings.Create();

    /// <summary>
    /// The shortcut for this invariant, or null when it has none, or when the engine's settings filter it (a
    /// filter recognizes Firely's own assertion, not this stand-in).
    /// </summary>
    public static ShortcutInvariant? TryCreate(FhirPathValidator invariant) =>
        Known.TryGetValue((invariant.Key, invariant.Expression), out var holds)
        && Settings.IncludeFilters.Count == 0 && !Settings.ExcludeFilters.Any(f => f(invariant))
            ? new ShortcutInvariant(invariant, holds)
            : null;

    public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state) =>
        vc.FhirPathCompiler is null && _holds(input.Poco) ? ResultReport.SUCCESS : ((IValidatable)Inner).Validate(input, vc, state);

    public JToken ToJson() => Inner.ToJson();

    private static bool NoContained(Base resource) =>
        !resource.TryGetValue("contained", out var contained) || contained is System.Collections.ICollection { Count: 0 };

    private static bool NoLocalReference(Base reference) =>
        !reference.TryGetValue("reference", out var value)
        || value is FhirString { Value: { } text } && !text.StartsWith('#');
}
