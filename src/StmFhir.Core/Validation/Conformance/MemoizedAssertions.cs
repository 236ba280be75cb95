using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Newtonsoft.Json.Linq;

#pragma warning disable ExperimentalApi // Firely's assertion interfaces are marked experimental: unstable API, stable results.

namespace StmFhir.Core.Validation.Conformance;

/// <summary>
/// Stands where Firely's schema refers a child element to a context-free datatype schema (a
/// <see cref="SchemaReferenceValidator"/> to CodeableConcept, Coding, a primitive...): a value that passed that
/// schema before with no issue passes again without the walk; anything else goes to Firely, unchanged.
/// </summary>
internal sealed class MemoizedSchemaReference(SchemaReferenceValidator inner, CleanElementMemo memo) : IGroupValidatable
{
    private readonly string _prefix = "ref|" + inner.SchemaUri + "|";

    public SchemaReferenceValidator Inner => inner;

    public ResultReport Validate(IEnumerable<PocoNode> input, ValidationSettings vc, ValidationState state) =>
        MemoizedValidation.Run(input, memo, _prefix, null, () => ((IGroupValidatable)inner).Validate(input, vc, state));

    public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state) =>
        MemoizedValidation.Run([input], memo, _prefix, null, () => ((IValidatable)inner).Validate(input, vc, state));

    public JToken ToJson() => inner.ToJson();
}

/// <summary>
/// Stands where Firely's schema refers extensions to an extension schema (the base Extension or one of the
/// profiles' extension definitions). An extension that passed before with no issue, at the same place (element
/// names and types up to its resource, which is all Firely's context check reads) and with a definition whose
/// checks read nothing outside the extension, passes again without the walk; anything else goes to Firely.
/// </summary>
internal sealed class MemoizedExtensionReference(SchemaReferenceValidator inner, CleanElementMemo memo, Func<string, bool> definitionIsLocal) : IGroupValidatable
{
    private readonly string _prefix = "ext|" + inner.SchemaUri + "|";

    public SchemaReferenceValidator Inner => inner;

    public ResultReport Validate(IEnumerable<PocoNode> input, ValidationSettings vc, ValidationState state) =>
        // Firely judges extensions with the same url together (the definition's own cardinality, e.g. 0..1, counts
        // them), so a url met twice is left to Firely; with each url once, the list is judged extension by extension.
        RepeatsAUrl(input)
            ? ((IGroupValidatable)inner).Validate(input, vc, state)
            : MemoizedValidation.Run(input, memo, _prefix, Site, () => ((IGroupValidatable)inner).Validate(input, vc, state));

    public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state) =>
        MemoizedValidation.Run([input], memo, _prefix, Site, () => ((IValidatable)inner).Validate(input, vc, state));

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
    /// The extension's url ("" when it has none), or null when the parser kept a repeated url as a list: Firely
    /// then reads it its own way (3.6.0 throws), and <see cref="Extension.Url"/> would throw another exception.
    /// </summary>
    private static string? UrlOf(PocoNode node) =>
        node.Poco is not Extension extension || !extension.TryGetValue("url", out var url) ? ""
        : url is FhirUri uri ? uri.Value ?? ""
        : null;

    private string? Site(PocoNode node, string prefix) =>
        UrlOf(node) is { } url && definitionIsLocal(url) && CleanElementMemo.ExtensionSite(node) is { } site
            ? CleanElementMemo.Fingerprint(node.Poco, extensions: true, prefix: string.Concat(prefix, site, "|"))
            : null;
}

/// <summary>
/// Stands for a Firely <see cref="BindingValidator"/>: a coded value that passed this binding before with no issue
/// passes again without asking the terminology service; anything else goes to Firely, unchanged.
/// </summary>
internal sealed class MemoizedBinding(BindingValidator inner, CleanElementMemo memo, int number) : IValidatable
{
    private readonly string _prefix = "binding" + number.ToString(System.Globalization.CultureInfo.InvariantCulture) + "|";

    public BindingValidator Inner => inner;

    public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state) =>
        MemoizedValidation.Run([input], memo, _prefix, Key, () => ((IValidatable)inner).Validate(input, vc, state));

    public JToken ToJson() => inner.ToJson();

    // A binding reads only the coded content (code, system, version, display, text), never an extension, so a
    // coded value carrying one (a body site with its laterality) is remembered too; the extension stays in the key.
    private static string? Key(PocoNode node, string prefix) => CleanElementMemo.Fingerprint(node.Poco, extensions: true, prefix);
}

internal static class MemoizedValidation
{
    /// <summary>
    /// Firely's report, or success when every value is known clean. Only a success whose evidence holds no issue
    /// (not even a warning or information) is remembered, so what the memo answers is exactly what Firely answered.
    /// </summary>
    /// <param name="input">The values Firely would validate.</param>
    /// <param name="memo">Values known to pass.</param>
    /// <param name="prefix">Names the schema or binding, so a value is known clean for it only.</param>
    /// <param name="key">The key of one value, given the prefix, starting with it; null to leave the value to Firely. By default the prefix and the value's <see cref="CleanElementMemo.Fingerprint"/>.</param>
    /// <param name="firely">Firely's own validation of <paramref name="input"/>.</param>
    public static ResultReport Run(IEnumerable<PocoNode> input, CleanElementMemo memo, string prefix, Func<PocoNode, string, string?>? key, Func<ResultReport> firely)
    {
        string[]? keys = null;
        var count = 0;
        var allKnown = true;
        foreach (var node in input)
        {
            if (!CleanElementMemo.PlacedAsDeclared(node)
                || (key is null ? CleanElementMemo.Fingerprint(node.Poco, prefix: prefix) : key(node, prefix)) is not { } full)
            {
                return firely();
            }
            keys ??= new string[4];
            if (count == keys.Length)
            {
                Array.Resize(ref keys, count * 2);
            }
            keys[count++] = full;
            allKnown &= memo.IsKnownClean(full);
        }
        if (count == 0)
        {
            return firely();
        }
        if (allKnown)
        {
            return ResultReport.SUCCESS;
        }
        var report = firely();
        if (report.IsSuccessful && report.Evidence.All(static e => e is TraceAssertion))
        {
            for (var i = 0; i < count; i++)
            {
                memo.RememberClean(keys![i]);
            }
        }
        return report;
    }
}
