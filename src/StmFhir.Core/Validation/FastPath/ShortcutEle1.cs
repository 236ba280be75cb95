using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Newtonsoft.Json.Linq;
using StmFhir.Core.Validation.Engine;

#pragma warning disable ExperimentalApi // Firely's assertion interfaces are marked experimental: unstable API, stable results.

namespace StmFhir.Core.Validation.FastPath;

/// <summary>
/// Stands for Firely's hand-coded ele-1 (<see cref="FhirEle1Validator"/>, "All FHIR elements must have a @value or
/// children"), run on every element. For an element that is not a primitive, Firely makes a node for each of its
/// elements (<c>PocoNode.Children()</c>, through <see cref="Base.EnumerateElements"/>) to find one that is not
/// <c>id</c>; reading the elements by name (<see cref="PocoElements"/>) gives the same answer without allocating.
/// When it finds one the answer is success, as Firely's; otherwise (and for primitives, elements with overflow,
/// dynamic types) Firely's own check runs.
/// </summary>
/// <remarks>
/// Firely's check is <c>Children().SkipWhile(c =&gt; c.Name == "id").Any()</c>: true exactly when some element is not
/// <c>id</c>, in whatever order. Its success is <see cref="ResultReport.SUCCESS"/>, as here. Not an
/// <see cref="InvariantValidator"/>, so it is only put in place while the settings exclude no ele-1
/// (<see cref="FirelySettings.ExcludedInvariants"/>); nothing else in Firely looks for ele-1 by type (base-type
/// invariants are taken from <see cref="FhirPathValidator"/>s, shortcut members are type labels).
/// </remarks>
internal sealed class ShortcutEle1(FhirEle1Validator inner) : IValidatable
{
    public FhirEle1Validator Inner => inner;

    public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state) =>
        input is not PrimitiveNode && input.Poco is not (PrimitiveType or DynamicDataType) && PocoElements.HasElementBesidesId(input.Poco)
            ? ResultReport.SUCCESS
            : ((IValidatable)inner).Validate(input, vc, state);

    public JToken ToJson() => inner.ToJson();
}
