using System.Text;
using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Newtonsoft.Json.Linq;

#pragma warning disable ExperimentalApi // Firely's assertion interfaces are marked experimental: unstable API, stable results.

namespace StmFhir.Core.Validation.FastPath;

/// <summary>
/// Stands where Firely's schema refers a child element to a context-free datatype schema (a
/// <see cref="SchemaReferenceValidator"/> to CodeableConcept, Coding, a primitive...): a value that passed that
/// schema before with no issue passes again without the walk; anything else goes to Firely, unchanged.
/// </summary>
internal sealed class MemoizedSchemaReference(SchemaReferenceValidator inner, CleanElementMemo memo) : IGroupValidatable, IMemoKey
{
    private readonly string _prefix = "ref|" + inner.SchemaUri + "|";

    public SchemaReferenceValidator Inner => inner;

    public ResultReport Validate(IEnumerable<PocoNode> input, ValidationSettings vc, ValidationState state) =>
        MemoizedValidation.ValidateList(inner, input, vc, state, memo, this);

    public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state) =>
        MemoizedValidation.ValidateOne(inner, input, vc, state, memo, this);

    public bool AppendKey(StringBuilder text, PocoNode node) => CleanElementMemo.AppendFingerprint(text.Append(_prefix), node.Poco);

    public JToken ToJson() => inner.ToJson();
}

/// <summary>
/// Stands where Firely's schema refers extensions to an extension schema (the base Extension or one of the
/// profiles' extension definitions). An extension that passed before with no issue, at the same place (element
/// names and types up to its resource, which is all Firely's context check reads) and with a definition whose
/// checks read nothing outside the extension, passes again without the walk; anything else goes to Firely.
/// </summary>
internal sealed class MemoizedExtensionReference(SchemaReferenceValidator inner, CleanElementMemo memo, Func<string, bool> definitionIsLocal) : IGroupValidatable, IMemoKey
{
    private readonly string _prefix = "ext|" + inner.SchemaUri + "|";

    public SchemaReferenceValidator Inner => inner;

    public ResultReport Validate(IEnumerable<PocoNode> input, ValidationSettings vc, ValidationState state)
    {
        // Firely judges extensions with the same url together (the definition's own cardinality, e.g. 0..1, counts
        // them), so a url met twice is left to Firely; with each url once, the list is judged extension by extension.
        if (RepeatsAUrl(input))
        {
            return ((IGroupValidatable)inner).Validate(input, vc, state);
        }
        return MemoizedValidation.ValidateList(inner, input, vc, state, memo, this);
    }

    public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state) =>
        MemoizedValidation.ValidateOne(inner, input, vc, state, memo, this);

    private static bool RepeatsAUrl(IEnumerable<PocoNode> input)
    {
        string? first = null;
        HashSet<string>? seen = null;
        foreach (var node in input)
        {
            if (UrlOf(node) is not { } url)
            {
                return true;
            }
            if (first is null)
            {
                first = url;
            }
            else if (!(seen ??= new HashSet<string>(StringComparer.Ordinal) { first }).Add(url))
            {
                return true;
            }
        }
        return false;
    }

    public JToken ToJson() => inner.ToJson();

    /// <summary>
    /// The extension's url ("" when it has none), or null when the parser kept a repeated url as a list or a value
    /// that is not a string: Firely then reads it its own way, and <see cref="Extension.Url"/> would throw.
    /// </summary>
    private static string? UrlOf(PocoNode node) =>
        node.Poco is not Extension extension || !extension.TryGetValue("url", out var url) ? ""
        : url is FhirUri { JsonValue: var value } ? value as string ?? (value is null ? "" : null)
        : null;

    /// <summary>The prefix, where the extension sits (<see cref="ExtensionSites.ExtensionSite"/>), "|" and the fingerprint.</summary>
    public bool AppendKey(StringBuilder text, PocoNode node) =>
        UrlOf(node) is { } url && definitionIsLocal(url)
        && ExtensionSites.AppendExtensionSite(text.Append(_prefix), node)
        && CleanElementMemo.AppendFingerprint(text.Append('|'), node.Poco, extensions: true);
}

/// <summary>
/// Stands for a Firely <see cref="BindingValidator"/>: a coded value that passed this binding before with no issue
/// passes again without asking the terminology service; anything else goes to Firely, unchanged.
/// </summary>
internal sealed class MemoizedBinding(BindingValidator inner, CleanElementMemo memo, int number) : IValidatable, IMemoKey
{
    private readonly string _prefix = "binding" + number.ToString(System.Globalization.CultureInfo.InvariantCulture) + "|";

    public BindingValidator Inner => inner;

    public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state) =>
        MemoizedValidation.ValidateOne(inner, input, vc, state, memo, this);

    public JToken ToJson() => inner.ToJson();

    // A binding reads only the coded content (code, system, version, display, text), never an extension, so a
    // coded value carrying one (a body site with its laterality) is remembered too; the extension stays in the key.
    public bool AppendKey(StringBuilder text, PocoNode node) => CleanElementMemo.AppendFingerprint(text.Append(_prefix), node.Poco, extensions: true);
}

/// <summary>How a memoized assertion names one value in the memo.</summary>
internal interface IMemoKey
{
    /// <summary>
    /// Appends the value's key to <paramref name="text"/>: a prefix naming the schema or binding (so a value is known
    /// clean for it only), then what the value is; false to leave the value to Firely.
    /// </summary>
    bool AppendKey(StringBuilder text, PocoNode node);
}

internal static class MemoizedValidation
{
    private static readonly string[] NoneUnknown = [];

    /// <summary>
    /// Success when the memo knows every value clean for <paramref name="key"/>; otherwise Firely's own
    /// <paramref name="inner"/> judges the list, and the values it passes with no issue are remembered.
    /// </summary>
    public static ResultReport ValidateList(IGroupValidatable inner, IEnumerable<PocoNode> input, ValidationSettings vc, ValidationState state, CleanElementMemo memo, IMemoKey key)
    {
        var unknown = Unknown(input, memo, key);
        return unknown is { Length: 0 } ? ResultReport.SUCCESS : RememberIfClean(inner.Validate(input, vc, state), unknown, memo);
    }

    /// <inheritdoc cref="ValidateList(IGroupValidatable, IEnumerable{PocoNode}, ValidationSettings, ValidationState, CleanElementMemo, IMemoKey)"/>
    public static ResultReport ValidateOne(IValidatable inner, PocoNode input, ValidationSettings vc, ValidationState state, CleanElementMemo memo, IMemoKey key)
    {
        var unknown = Unknown(input, memo, key);
        return unknown is { Length: 0 } ? ResultReport.SUCCESS : RememberIfClean(inner.Validate(input, vc, state), unknown, memo);
    }

    /// <summary>
    /// What the memo knows of the values Firely would validate: an empty array when every value is known clean
    /// (the answer is success); the keys of the values it does not know (Firely runs, and its report is remembered
    /// for them when clean, <see cref="RememberIfClean"/>); null when the memo cannot answer for them (a value not
    /// placed as declared or without a key, or no value at all: Firely runs, and nothing is remembered). Keys are
    /// looked up without making strings of them; strings are made only for values not known.
    /// </summary>
    public static string[]? Unknown(IEnumerable<PocoNode> input, CleanElementMemo memo, IMemoKey key)
    {
        List<string>? unknown = null;
        var count = 0;
        foreach (var node in input)
        {
            if (!Look(node, memo, key, out var missing))
            {
                return null;
            }
            if (missing is not null)
            {
                (unknown ??= []).Add(missing);
            }
            count++;
        }
        return count == 0 ? null : unknown is null ? NoneUnknown : [.. unknown];
    }

    /// <inheritdoc cref="Unknown(IEnumerable{PocoNode}, CleanElementMemo, IMemoKey)"/>
    public static string[]? Unknown(PocoNode node, CleanElementMemo memo, IMemoKey key) =>
        !Look(node, memo, key, out var missing) ? null : missing is null ? NoneUnknown : [missing];

    /// <summary>
    /// Firely's report, after remembering the values not known when it is a success whose evidence holds no issue
    /// (not even a warning or information), so what the memo answers is exactly what Firely answered.
    /// </summary>
    public static ResultReport RememberIfClean(ResultReport report, string[]? unknown, CleanElementMemo memo)
    {
        if (unknown is { Length: > 0 } && report.IsSuccessful && report.Evidence.All(static e => e is TraceAssertion))
        {
            foreach (var key in unknown)
            {
                memo.RememberClean(key);
            }
        }
        return report;
    }

    /// <summary>False when the memo cannot answer for the node; otherwise its key when not known clean, else null.</summary>
    private static bool Look(PocoNode node, CleanElementMemo memo, IMemoKey key, out string? missing)
    {
        missing = null;
        if (!CleanElementMemo.PlacedAsDeclared(node))
        {
            return false;
        }
        var text = CleanElementMemo.RentText();
        try
        {
            if (!key.AppendKey(text, node) || !CleanElementMemo.Keeps(text))
            {
                return false;
            }
            if (!memo.IsKnownClean(text))
            {
                missing = text.ToString();
            }
            return true;
        }
        finally
        {
            CleanElementMemo.ReturnText(text);
        }
    }
}
