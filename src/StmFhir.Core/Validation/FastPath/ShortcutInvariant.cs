using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Newtonsoft.Json.Linq;

#pragma warning disable ExperimentalApi // Firely's assertion interfaces are marked experimental: unstable API, stable results.

namespace StmFhir.Core.Validation.FastPath;

/// <summary>
/// Stands for one of a few core FHIRPath invariants, checked on every resource, every Reference or the Bundle,
/// whose outcome is plainly true for most input: success without running FHIRPath when the input is such, Firely's
/// own evaluation otherwise. Each is matched by key and exact expression text, so a changed definition is Firely's.
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
/// <item>bdl-3, bdl-3c, bdl-4 (the Bundle, once, but each walks every entry with <c>%resource</c>): see
/// <see cref="PlainTransaction"/>. (bdl-7 is not Firely's: the engine excludes it and checks STM-BDL-004.)</item>
/// <item>bdl-5, bdl-8 (every entry), obs-6, obs-7 (every Observation), per-1 (every Period): at each, below.</item>
/// </list>
/// Only when the settings name no FHIRPath compiler (Firely's default then, as here).
/// </remarks>
internal sealed record ShortcutInvariant : FhirPathValidator, IValidatable
{
    private static readonly Dictionary<(string Key, string Expression), Func<Base, bool>> Known = new()
    {
        [("dom-2", "contained.contained.empty()")] = NoContained,
        [("dom-3", "contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | %resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = '#').exists()).not()).trace('unmatched', id).empty()")] = NoContained,
        [("dom-4", "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()")] = NoContained,
        [("dom-5", "contained.meta.security.empty()")] = NoContained,
        [("ref-1", "reference.exists() implies (reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids')) or (reference='#' and %rootResource!=%resource))")] = NoLocalReference,
        [("bdl-3", "entry.all(request.exists() = (%resource.type = 'batch' or %resource.type = 'transaction' or %resource.type = 'history'))")] = PlainTransaction,
        [("bdl-3c", "type in ('transaction' | 'batch') implies entry.all(request.method.exists() and ((request.method in ('POST' | 'PATCH' | 'PUT')) = resource.exists()))")] = PlainTransaction,
        [("bdl-4", "entry.all(response.exists() = (%resource.type = 'batch-response' or %resource.type = 'transaction-response' or %resource.type = 'history'))")] = PlainTransaction,
        // Every Bundle entry: a resource makes the first operand of the or true.
        [("bdl-5", "resource.exists() or request.exists() or response.exists()")] = static entry => entry.TryGetValue("resource", out var resource) && resource is not null,
        // Every Bundle entry: no fullUrl makes the left of implies false; a URL without '/_history/' makes the right true.
        [("bdl-8", "fullUrl.exists() implies fullUrl.contains('/_history/').not()")] = static entry =>
            !entry.TryGetValue("fullUrl", out var url) || url is PrimitiveType { JsonValue: string text } && !text.Contains("/_history/", StringComparison.Ordinal),
        // Every Observation: no dataAbsentReason makes the first operand of the or true.
        [("obs-6", "dataAbsentReason.empty() or value.empty()")] = static observation => !observation.TryGetValue("dataAbsentReason", out _),
        [("obs-7", "value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()")] = NoComponentCodedAsTheObservation,
        // Every Period (a session's procedure time): see StartNotAfterEnd.
        [("per-1", "start.hasValue().not() or end.hasValue().not() or (start <= end)")] = StartNotAfterEnd,
    };

    private static readonly HashSet<string> WritingMethods = new(StringComparer.Ordinal) { "POST", "PUT", "PATCH" };

    private readonly Func<Base, bool> _holds;

    /// <summary>
    /// A <see cref="FhirPathValidator"/> itself, with the same key, expression, description, severity and override,
    /// so that what looks for Firely's invariants finds it: the settings' filters (dom-6, ras-2) and Firely's check of
    /// a base type's invariants on an element a profile constrains in place (<c>BaseTypeInvariantConstraintsValidator</c>
    /// runs the <see cref="FhirPathValidator"/> members of the base type's schema).
    /// </summary>
    private ShortcutInvariant(FhirPathValidator inner, Func<Base, bool> holds)
        : base(inner.Key, inner.Expression, inner.HumanDescription, inner.Severity, inner.BestPractice)
    {
        Inner = inner;
        SeverityOverride = inner.SeverityOverride;
        _holds = holds;
    }

    public FhirPathValidator Inner { get; }

    /// <summary>The shortcut for this invariant, or null when it has none.</summary>
    public static ShortcutInvariant? TryCreate(FhirPathValidator invariant) =>
        invariant is not ShortcutInvariant && Known.TryGetValue((invariant.Key, invariant.Expression), out var holds)
            ? new ShortcutInvariant(invariant, holds)
            : null;

    // Re-implements Firely's IValidatable.Validate: its own stays the inner invariant's.
    ResultReport IValidatable.Validate(PocoNode input, ValidationSettings vc, ValidationState state) =>
        vc.FhirPathCompiler is null && _holds(input.Poco) ? ResultReport.SUCCESS : ((IValidatable)Inner).Validate(input, vc, state);

    public override JToken ToJson() => Inner.ToJson();

    private static bool NoContained(Base resource) =>
        !resource.TryGetValue("contained", out var contained) || contained is System.Collections.ICollection { Count: 0 };

    /// <summary>
    /// A Bundle of type transaction whose every entry has one request, with method POST, PUT or PATCH, a resource and
    /// no response. Then (the Bundle being its own <c>%resource</c>) bdl-3's right side is true and every entry has a
    /// request; bdl-3c's left side is true and each entry's method is one of those three and its resource exists;
    /// bdl-4's right side is false and no entry has a response: each is true (also with no entry). FHIRPath sees a
    /// code's value as its JSON text, which is what is compared.
    /// </summary>
    private static bool PlainTransaction(Base bundle)
    {
        if (bundle is not Resource || !IsText(bundle, "type", "transaction") || Entries(bundle) is not { } entries)
        {
            return false;
        }
        foreach (var entry in entries)
        {
            if (!entry.TryGetValue("request", out var request) || request is not Base single
                || !(single.TryGetValue("method", out var method) && method is PrimitiveType { JsonValue: string verb } && WritingMethods.Contains(verb))
                || !entry.TryGetValue("resource", out var resource) || resource is null
                || entry.TryGetValue("response", out _))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// obs-7 on an Observation (its own <c>%resource</c>): with no value, the first operand of the <c>or</c> is true;
    /// otherwise it is true when no component's code has a coding FHIRPath-equal to one of the Observation's codings.
    /// Codings are equal only when their children are, the codes included, so every coding having a code, and no
    /// component code being an Observation code even ignoring case, is enough.
    /// </summary>
    private static bool NoComponentCodedAsTheObservation(Base observation)
    {
        if (observation is not Resource)
        {
            return false;
        }
        if (!observation.TryGetValue("value", out _))
        {
            return true;
        }
        if (!observation.TryGetValue("code", out var code) || Codes(code) is not { } observationCodes)
        {
            return false;
        }
        if (!observation.TryGetValue("component", out var components))
        {
            return true;
        }
        if (components is not IReadOnlyList<Base> list)
        {
            return false;
        }
        foreach (var component in list)
        {
            if (component.TryGetValue("code", out var componentCode)
                && (Codes(componentCode) is not { } codes || codes.Any(observationCodes.Contains)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// per-1 on a Period whose start and end are both dateTimes to the second with a time zone
    /// (<c>yyyy-MM-ddTHH:mm:ss</c> and <c>Z</c> or <c>+hh:mm</c>/<c>-hh:mm</c>, a real date and time), start not after
    /// end. Both then have a value (FHIRPath's <c>DateTime.Parse</c> reads that form), so the last operand of the
    /// <c>or</c> decides; FHIRPath compares two dateTimes of the same precision, both with offsets, by their UTC
    /// year, month, day, hour, minute and second in turn, which orders them as instants. Any other form (no time
    /// zone, other precision, fractions, one missing, a list) is Firely's.
    /// </summary>
    private static bool StartNotAfterEnd(Base period) =>
        period is Period && ToTheSecond(period, "start") is { } start && ToTheSecond(period, "end") is { } end
        && start.UtcDateTime <= end.UtcDateTime;

    private static DateTimeOffset? ToTheSecond(Base period, string name) =>
        period.TryGetValue(name, out var value) && value is FhirDateTime { JsonValue: string text }
        && text.Length is 20 or 25 && (text[^1] == 'Z') == (text.Length == 20)
        && DateTimeOffset.TryParseExact(text, text.Length == 20 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:sszzz",
            System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var instant)
            ? instant
            : null;

    /// <summary>The codes of a CodeableConcept's codings (case ignored), or null when one has no code or the shape is unexpected.</summary>
    private static HashSet<string>? Codes(object? concept)
    {
        var codes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (concept is not Base single)
        {
            return null;
        }
        if (!single.TryGetValue("coding", out var codings))
        {
            return codes;
        }
        if (codings is not IReadOnlyList<Base> list)
        {
            return null;
        }
        foreach (var coding in list)
        {
            if (!IsText(coding, "code", out var text))
            {
                return null;
            }
            codes.Add(text);
        }
        return codes;
    }

    /// <summary>The Bundle's entries (none when it has none), or null when the parser kept something else there.</summary>
    private static IReadOnlyList<Base>? Entries(Base bundle) =>
        !bundle.TryGetValue("entry", out var entries) ? [] : entries as IReadOnlyList<Base>;

    private static bool IsText(Base parent, string name, string text) =>
        IsText(parent, name, out var actual) && actual == text;

    private static bool IsText(Base parent, string name, out string text)
    {
        text = parent.TryGetValue(name, out var value) && value is PrimitiveType { JsonValue: string actual } ? actual : "";
        return value is PrimitiveType { JsonValue: string };
    }

    private static bool NoLocalReference(Base reference) =>
        !reference.TryGetValue("reference", out var value)
        || value is FhirString { JsonValue: string text } && !text.StartsWith('#');
}
