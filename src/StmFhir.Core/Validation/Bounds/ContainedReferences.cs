using System.Collections.Concurrent;
using Firely.Fhir.Validation;
using Hl7.Fhir.ElementModel;
using Hl7.Fhir.Model;
using Hl7.Fhir.Support;
using Hl7.FhirPath;
using Newtonsoft.Json.Linq;

#pragma warning disable ExperimentalApi // Firely's assertion interfaces are marked experimental: unstable API, stable results.

namespace StmFhir.Core.Validation.Bounds;

/// <summary>
/// Stands for core invariant dom-3 ("a contained resource SHALL be referred to from elsewhere in the resource"),
/// checked on every DomainResource with contained resources, giving Firely's verdict and report in linear time.
/// Firely's FHIRPath evaluates <c>%resource.descendants()...</c> again for each contained resource, so the work grew
/// with contained resources times resource size: a Questionnaire with 400 contained ValueSets took seconds, a 605 KB one
/// minutes, in one evaluation nothing could interrupt. Here the resource is walked once (<see cref="Dom3Facts"/>).
/// Put in place in every compiled schema, the fast path on or off: it is a bound on work, not a shortcut.
/// </summary>
/// <remarks>
/// dom-3 is <c>contained.where(C.not()).trace(...).empty()</c>, C being (<c>'#'+id in R</c>) or a descendant of the
/// contained resource with a <c>reference</c> of <c>'#'</c> or a canonical of <c>'#'</c>; R the values of the
/// <c>reference</c> children of the resource's descendants and of its descendants that are canonical, uri or url.
/// FHIRPath compares strings exactly. It is false at the first contained resource, in order, whose C is false; <c>'#'+id</c>
/// is empty (so C is as good as false) when the id is missing or has no value, and throws when the id repeats or
/// is not a string, which Firely reports as a failed evaluation: that report is made the same way, from the same
/// expression evaluated on a resource holding only that contained resource (the message names the operators only).
/// A failure is reported by Firely's own invariant check on an expression that is false, with the same key,
/// description and severity: the same issue. Only when the settings name no FHIRPath compiler.
/// </remarks>
internal sealed record ContainedReferences : FhirPathValidator, IValidatable
{
    private const string Dom3Key = "dom-3";
    private const string Dom3 = "contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | %resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = '#').exists()).not()).trace('unmatched', id).empty()";

    private static readonly Lazy<CompiledExpression> s_dom3 = new(() => FhirPathValidator.DefaultCompiler.Compile(Dom3));

    private readonly FhirPathValidator _fails;

    private ContainedReferences(FhirPathValidator inner)
        : base(inner.Key, inner.Expression, inner.HumanDescription, inner.Severity, inner.BestPractice)
    {
        Inner = inner;
        SeverityOverride = inner.SeverityOverride;
        _fails = new FhirPathValidator(inner.Key, "false", inner.HumanDescription, inner.Severity, inner.BestPractice) { SeverityOverride = inner.SeverityOverride };
    }

    /// <summary>Firely's dom-3.</summary>
    public FhirPathValidator Inner { get; }

    /// <summary>The schema with each dom-3 replaced by this stand-in.</summary>
    public static ElementSchema AddTo(ElementSchema schema) => (ElementSchema)Replace(default, schema);

    private static IAssertion Replace(AssertionStep step, IAssertion assertion) => assertion switch
    {
        ContainedReferences => assertion,
        FhirPathValidator { Key: Dom3Key, Expression: Dom3 } dom3 => new ContainedReferences(dom3),
        IAssertionContainer container => container.WithChildren(Replace),
        _ => assertion,
    };

    ResultReport IValidatable.Validate(PocoNode input, ValidationSettings vc, ValidationState state)
    {
        if (vc.FhirPathCompiler is not null)
        {
            return ((IValidatable)Inner).Validate(input, vc, state);
        }
        var facts = new Dom3Facts(input);
        return facts.Verdict() switch
        {
            Dom3Verdict.Holds => ResultReport.SUCCESS,
            Dom3Verdict.Fails => ((IValidatable)_fails).Validate(input, vc, state),
            _ => FailedEvaluation(facts.Thrower!, input, vc, state),
        };
    }

    /// <summary>What Firely reports when the evaluation throws: its message, from the same expression on only the contained resource that makes it throw.</summary>
    private ResultReport FailedEvaluation(PocoNode contained, PocoNode input, ValidationSettings vc, ValidationState state)
    {
        string message;
        try
        {
            var alone = new Basic();
            alone.Contained.Add((Resource)contained.Poco);
            _ = s_dom3.Value.IsTrue(alone.ToPocoNode(), new Hl7.Fhir.FhirPath.FhirEvaluationContext());
            // Not expected: it threw on the whole resource. Firely's own evaluation, then.
            return ((IValidatable)Inner).Validate(input, vc, state);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or InsufficientExecutionStackException))
        {
            message = e.Message;
        }
        return new IssueAssertion(Issue.PROFILE_ELEMENTDEF_INVALID_FHIRPATH_EXPRESSION, $"Evaluation of FhirPath for constraint '{Key}' failed: {message}")
            .AsResult(state, input, "FhirPathValidator", Inner);
    }

    public override JToken ToJson() => Inner.ToJson();
}
