using Firely.Fhir.Validation;
using Hl7.Fhir.FhirPath;
using Hl7.Fhir.Model;
using Hl7.FhirPath;
using Hl7.FhirPath.Expressions;
using Newtonsoft.Json.Linq;

#pragma warning disable ExperimentalApi // Firely's assertion interfaces are marked experimental: unstable API, stable results.

namespace StmFhir.Core.Validation.FastPath;

/// <summary>
/// Stands for a Firely <see cref="PathSelectorValidator"/>, the FHIRPath part of a slice discriminator, with its
/// expression compiled once. Firely keeps the compiled discriminators in a cache that lives for one validation run
/// (<c>ValidationState</c>), so every run parses every discriminator again; Firely's own invariants
/// (<see cref="FhirPathValidator"/>) are compiled once and shared by all threads, as this is.
/// </summary>
/// <remarks>
/// Same compiler (the symbol table Firely's selector uses when <see cref="ValidationSettings.FhirPathCompiler"/> is
/// not set; when it is, Firely's selector runs), same evaluation call, same outcome for no, one or several selected
/// values, same trace messages. The assertion run on the selected values is Firely's, unchanged.
/// </remarks>
internal sealed class CompiledPathSelector : IValidatable
{
    /// <summary>What Firely's selector compiles with when the settings name no compiler.</summary>
    private static readonly FhirPathCompiler Compiler = new(new SymbolTable().AddStandardFP().AddFhirExtensions());

    private readonly CompiledExpression _select;

    private CompiledPathSelector(PathSelectorValidator inner, CompiledExpression select)
    {
        Inner = inner;
        _select = select;
    }

    public PathSelectorValidator Inner { get; }

    /// <summary>
    /// The selector with its path compiled, or null when the path does not compile (Firely's selector then fails
    /// as it would, at validation).
    /// </summary>
    public static CompiledPathSelector? TryCreate(PathSelectorValidator inner)
    {
        try
        {
            return new CompiledPathSelector(inner, Compiler.Compile(inner.Path));
        }
        catch (Exception)
        {
            // Firely's selector stays and fails at validation as it would: it compiles the same path then.
            return null;
        }
    }

    public ResultReport Validate(PocoNode input, ValidationSettings vc, ValidationState state)
    {
        if (vc.FhirPathCompiler is not null)
        {
            return ((IValidatable)Inner).Validate(input, vc, state);
        }
        var selected = _select(input, new EvaluationContext()).ToList();
        var other = Inner.Other;
        if (other is IGroupValidatable group)
        {
            return group.Validate(selected, vc, state);
        }
        return selected.Count switch
        {
            0 => new ResultReport(ValidationResult.Failure,
                new TraceAssertion(input.GetLocation(), $"The FhirPath selector {Inner.Path} did not return any results.")),
            // Firely hands the one value to the assertion as a list of one: an assertion that judges single values
            // judges it, any other kind passes.
            1 => other is IValidatable single ? single.Validate(selected[0], vc, state) : ResultReport.SUCCESS,
            _ => new ResultReport(ValidationResult.Failure,
                new TraceAssertion(input.GetLocation(), $"The FhirPath selector {Inner.Path} returned too many ({selected.Count}) results.")),
        };
    }

    public JToken ToJson() => Inner.ToJson();
}
