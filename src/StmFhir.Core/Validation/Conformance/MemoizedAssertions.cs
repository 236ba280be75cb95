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
        MemoizedValidation.Run(input, memo, _prefix, () => ((IGroupValidatable)inner).Validate(input, vc, state));

    public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state) =>
        MemoizedValidation.Run([input], memo, _prefix, () => ((IValidatable)inner).Validate(input, vc, state));

    public JToken ToJson() => inner.ToJson();
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
        MemoizedValidation.Run([input], memo, _prefix, () => ((IValidatable)inner).Validate(input, vc, state));

    public JToken ToJson() => inner.ToJson();
}

internal static class MemoizedValidation
{
    /// <summary>
    /// Firely's report, or success when every value is known clean. Only a success whose evidence holds no issue
    /// (not even a warning or information) is remembered, so what the memo answers is exactly what Firely answered.
    /// </summary>
    public static ResultReport Run(IEnumerable<PocoNode> input, CleanElementMemo memo, string prefix, Func<ResultReport> firely)
    {
        string[]? keys = null;
        var count = 0;
        var allKnown = true;
        foreach (var node in input)
        {
            if (CleanElementMemo.Fingerprint(node.Poco) is not { } fingerprint)
            {
                return firely();
            }
            var key = prefix + fingerprint;
            keys ??= new string[4];
            if (count == keys.Length)
            {
                Array.Resize(ref keys, count * 2);
            }
            keys[count++] = key;
            allKnown &= memo.IsKnownClean(key);
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
